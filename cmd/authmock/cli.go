package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/providers/builtin"
)

const usage = `Usage:
  authmock [serve] [flags]             run the server (default command)
  authmock config --print [flags]      print the effective configuration as JSON
  authmock config --check --config F   validate a configuration file
  authmock token --client ID [flags]   mint a token without running a server
  authmock version                     print version and build information

Run "authmock COMMAND -h" for a command's flags.
`

// run dispatches to a command and returns the exit code.
func run(ctx context.Context, args []string, e *env) int {
	cmd, rest := "serve", args
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCmd(ctx, rest, e)
	case "config":
		return configCmd(rest, e)
	case "token":
		return tokenCmd(ctx, rest, e)
	case "version":
		return versionCmd(e)
	case "help":
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "authmock: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// serverFlags registers --config and one flag per config.Setting on fs.
type serverFlags struct {
	configFile string
	values     []*settingValue
}

func addServerFlags(fs *flag.FlagSet) *serverFlags {
	sf := &serverFlags{}
	fs.StringVar(&sf.configFile, "config", "", "read the configuration from JSON `FILE`; env "+config.EnvConfig)
	for _, s := range config.Settings() {
		v := &settingValue{isBool: s.Bool}
		sf.values = append(sf.values, v)
		fs.Var(v, s.Flag, s.Usage+"; env "+s.Env)
	}
	return sf
}

// overrides returns the environment's overrides, then the flags', so that
// flags win.
func (sf *serverFlags) overrides(e *env) []config.Override {
	out := config.EnvOverrides(e.lookup)
	for i, s := range config.Settings() {
		if v := sf.values[i]; v.set {
			out = append(out, config.Override{Flag: s.Flag, Value: v.value, Origin: "--" + s.Flag})
		}
	}
	return out
}

// load reads the configuration the flags and environment point at. On
// failure it has printed why, one problem per line, and returns the exit
// code.
func (sf *serverFlags) load(e *env) (*config.Config, int) {
	path := sf.configFile
	if path == "" {
		path, _ = e.lookup(config.EnvConfig)
	}
	var (
		data    []byte
		baseDir string
		err     error
	)
	if path != "" {
		if data, err = os.ReadFile(path); err != nil {
			fmt.Fprintf(e.stderr, "authmock: %v\n", err)
			return nil, exitError
		}
		baseDir, err = filepath.Abs(filepath.Dir(path))
	} else {
		baseDir, err = os.Getwd()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return nil, exitError
	}
	cfg, ps := config.Load(data, baseDir, builtin.ByDialect(), sf.overrides(e)...)
	if len(ps) > 0 {
		where := "configuration"
		if path != "" {
			where = path
		}
		for _, p := range ps {
			fmt.Fprintf(e.stderr, "%s: %s\n", where, p)
		}
		return nil, exitError
	}
	return cfg, exitOK
}

// parseFlags parses args, printing usage errors; ok is false when the
// command should exit with code.
func parseFlags(fs *flag.FlagSet, args []string, e *env) (code int, ok bool) {
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage of authmock %s:\n", fs.Name())
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\n%s", usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "authmock %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return exitOK, true
}

// settingValue is a flag that remembers whether it was given, so that only
// flags on the command line override the environment and the file.
type settingValue struct {
	value  string
	set    bool
	isBool bool
}

func (v *settingValue) String() string { return v.value }

func (v *settingValue) Set(s string) error {
	if v.isBool {
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.New("must be true or false")
		}
	}
	v.value, v.set = s, true
	return nil
}

// IsBoolFlag lets "--tls" stand for "--tls=true".
func (v *settingValue) IsBoolFlag() bool { return v.isBool }
