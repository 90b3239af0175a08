package main

import (
	"io"
	"log/slog"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/httpx"
)

// newLogger builds the process logger: text or JSON to w at the configured
// level, with request ids added from the context.
func newLogger(s config.Server, w io.Writer, minLevel slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: max(s.Level(), minLevel)}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if s.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(httpx.ContextHandler{Handler: h})
}
