package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionCmd prints the version, the Go version and what the binary knows
// about the source it was built from.
func versionCmd(e *env) int {
	fmt.Fprintf(e.stdout, "authmock %s\n", version)
	fmt.Fprintf(e.stdout, "go        %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	printSigner(e.stdout, e.lookup)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return exitOK
	}
	fmt.Fprintf(e.stdout, "module    %s %s\n", info.Main.Path, info.Main.Version)
	var rev, modified, at string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			at = s.Value
		}
	}
	if rev != "" {
		if modified == "true" {
			rev += " (modified)"
		}
		if at != "" {
			rev += " " + at
		}
		fmt.Fprintf(e.stdout, "revision  %s\n", rev)
	}
	return exitOK
}
