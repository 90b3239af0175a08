package main

import (
	"flag"
	"fmt"

	"github.com/authmock/authmock/internal/config"
)

// configCmd prints (--print) or validates (--check) the configuration.
func configCmd(args []string, e *env) int {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	doPrint := fs.Bool("print", false, "print the effective configuration (defaults, file, environment and flags merged) as a configuration file")
	doCheck := fs.Bool("check", false, "validate the configuration; print every problem and exit 1 if there are any")
	sf := addServerFlags(fs)
	if code, ok := parseFlags(fs, args, e); !ok {
		return code
	}
	if *doPrint == *doCheck {
		fmt.Fprintln(e.stderr, "authmock config: give exactly one of --print and --check")
		return exitUsage
	}
	cfg, code := sf.load(e)
	if cfg == nil {
		return code
	}
	if *doCheck {
		fmt.Fprintln(e.stdout, "configuration OK")
		return exitOK
	}
	out, err := config.Effective(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return exitError
	}
	_, _ = e.stdout.Write(out)
	return exitOK
}
