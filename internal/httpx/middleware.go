package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middlewares so that the first one listed runs first.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type ctxKey int

const requestIDKey ctxKey = iota

// RequestIDFrom returns the request id the RequestID middleware stored.
func RequestIDFrom(ctx context.Context) string {
	if c, ok := ctx.Value(requestIDKey).(*idContext); ok {
		return c.header[0]
	}
	return ""
}

// idContext is context.WithValue(parent, requestIDKey, id) in one
// allocation instead of two (the value's and the string's box), with the
// X-Request-Id header's value slice in the same allocation: RequestID runs
// on every request.
type idContext struct {
	context.Context
	header [1]string // header[0] is the id
}

// Value answers requestIDKey with c itself: a string in an interface
// would be an allocation on every call.
func (c *idContext) Value(key any) any {
	if key == requestIDKey {
		return c
	}
	return c.Context.Value(key)
}

func (c *idContext) String() string { return "request id " + c.header[0] }

// RequestID gives every request an id, taken from a sane X-Request-Id
// header or made up, echoes it in the response and puts it in the context
// for the logs. Made-up ids are a random per-server prefix and a counter:
// unique, and cheaper than fresh randomness on every request.
func RequestID() Middleware {
	var b [4]byte
	_, _ = rand.Read(b[:])
	prefix := hex.EncodeToString(b[:]) + "-"
	var seq atomic.Uint64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !saneID(id) {
				var buf [32]byte // one allocation, the id's
				id = string(strconv.AppendUint(append(buf[:0], prefix...), seq.Add(1), 36))
			}
			ctx := &idContext{Context: r.Context(), header: [1]string{id}}
			w.Header()["X-Request-Id"] = ctx.header[:1:1] // canonical already
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Recover turns a panic in a handler into a logged 500, so one bad request
// never takes the server down.
func Recover(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v) // deliberate connection abort (fault injection)
					}
					logger.ErrorContext(r.Context(), "handler panicked", slog.Any("panic", v), slog.String("path", r.URL.Path))
					WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// MaxBytes limits every request body to n bytes.
func MaxBytes(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// StatusRecorder remembers the status and size a handler wrote.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int
}

// WriteHeader records the status.
func (s *StatusRecorder) WriteHeader(code int) {
	if s.Status == 0 {
		s.Status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records the size.
func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.Bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// AccessLog logs one line per request: method, path (never the query, which
// may carry secrets), status, size and duration. The duration is measured
// on the wall clock, not the controlled one, since it is about real time.
func AccessLog(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !logger.Enabled(r.Context(), slog.LevelInfo) {
				next.ServeHTTP(w, r) // nothing to record: skip the wrapper
				return
			}
			start := time.Now()
			rec := &StatusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			status, level := rec.Status, slog.LevelInfo
			switch {
			case status == 0 && ClientGone(r.Context()):
				level = slog.LevelDebug // no answer: the client left first
			case status == 0:
				status = http.StatusOK // net/http's implicit status
			}
			logger.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", status), slog.Int("bytes", rec.Bytes),
				slog.Duration("duration", time.Since(start)))
		})
	}
}
