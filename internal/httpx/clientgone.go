package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
)

// ClientGone reports whether the client of the request ctx belongs to has
// gone away: it closed the connection or reset the stream, which cancels
// the request's context. Whatever failed after that is not the server's
// fault and has no one to be told.
func ClientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// DropAnswersToGoneClients keeps a handler from answering a client that has
// gone away. Store calls return the cancelled context's error, which every
// handler would otherwise turn into a 500 server_error; nothing is written
// instead, so the journal and the access log show no answer (status 0),
// not a server error. A response begun before the client left is finished
// as usual.
func DropAnswersToGoneClients() Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&goneWriter{ResponseWriter: w, ctx: r.Context()}, r)
		})
	}
}

type goneWriter struct {
	http.ResponseWriter
	ctx     context.Context
	started bool
	dropped bool
}

// drop decides, at the first write, whether the answer is sent at all.
func (g *goneWriter) drop() bool {
	if !g.started {
		g.started = true
		g.dropped = ClientGone(g.ctx)
	}
	return g.dropped
}

func (g *goneWriter) WriteHeader(code int) {
	if !g.drop() {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *goneWriter) Write(b []byte) (int, error) {
	if g.drop() {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (g *goneWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// DemoteGoneClients wraps a log handler so that warnings and errors logged
// for a request whose client has gone away ("context canceled" from the
// store) are logged at debug level: they are the client's doing, not a
// fault of the server worth an operator's attention.
func DemoteGoneClients(h slog.Handler) slog.Handler { return goneHandler{h} }

type goneHandler struct{ slog.Handler }

func (g goneHandler) Enabled(ctx context.Context, level slog.Level) bool {
	if level > slog.LevelInfo && ctx != nil && ClientGone(ctx) {
		level = slog.LevelDebug
	}
	return g.Handler.Enabled(ctx, level)
}

func (g goneHandler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level > slog.LevelInfo && ctx != nil && ClientGone(ctx) {
		demoted := slog.NewRecord(rec.Time, slog.LevelDebug, rec.Message, rec.PC)
		rec.Attrs(func(a slog.Attr) bool { demoted.AddAttrs(a); return true })
		demoted.AddAttrs(slog.Bool("client_gone", true))
		return g.Handler.Handle(ctx, demoted)
	}
	return g.Handler.Handle(ctx, rec)
}

func (g goneHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return goneHandler{g.Handler.WithAttrs(attrs)}
}

func (g goneHandler) WithGroup(name string) slog.Handler {
	return goneHandler{g.Handler.WithGroup(name)}
}
