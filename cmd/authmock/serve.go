package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/authmock/authmock/internal/server"
)

// serveCmd runs the server until ctx ends (a signal), then shuts it down
// gracefully.
func serveCmd(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	sf := addServerFlags(fs)
	if code, ok := parseFlags(fs, args, e); !ok {
		return code
	}
	cfg, code := sf.load(e)
	if cfg == nil {
		return code
	}
	logger := newLogger(cfg.Server, e.stderr, slog.LevelDebug)
	signer, err := useSigner(cfg.Server, logger)
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return exitError
	}
	srv, err := server.New(cfg, server.Options{Logger: logger})
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return exitError
	}
	if err := srv.Start(ctx); err != nil {
		_ = srv.Close()
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return exitError
	}
	startReleasing(ctx, srv)
	startTuningGC(ctx, e.lookup)
	printBanner(e.stdout, srv, signer)
	if e.started != nil {
		e.started(srv)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- srv.Wait() }()
	select {
	case err := <-stopped:
		if err != nil {
			fmt.Fprintf(e.stderr, "authmock: %v\n", err)
			return exitError
		}
		return exitOK
	case <-ctx.Done():
	}
	// server.shutdown_grace: how long requests in flight get to finish.
	grace := cfg.Server.ShutdownGrace.D()
	logger.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests were dropped: a test run relying on them must not see a
		// clean exit.
		cutOff := srv.InFlight()
		_ = srv.Close()
		logger.Error("shutdown grace period ran out; requests cut off", "cut_off", cutOff, "grace", grace, "error", err)
		return exitError
	}
	logger.Info("stopped")
	return exitOK
}
