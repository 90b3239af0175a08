package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/authmock/authmock/internal/server"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default behaviour, so that a
	// second Ctrl-C ends a shutdown that hangs.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv})
	stop()
	os.Exit(code)
}

// env is what a command reads and writes besides its arguments, so that
// tests run commands in-process.
type env struct {
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
	// started, when set, is called once the server is serving (tests).
	started func(*server.Server)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // a runtime failure or an invalid configuration
	exitUsage = 2 // bad arguments
)
