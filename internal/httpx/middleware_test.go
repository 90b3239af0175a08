package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
)

// logRecords decodes the JSON lines a slog.JSONHandler wrote.
func logRecords(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(buf)
	for dec.More() {
		var rec map[string]any
		require.NoError(t, dec.Decode(&rec))
		out = append(out, rec)
	}
	return out
}

func jsonLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level}))
}

func TestChainOrder(t *testing.T) {
	t.Parallel()
	var order []string
	mw := func(name string) httpx.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name+" in")
				next.ServeHTTP(w, r)
				order = append(order, name+" out")
			})
		}
	}
	h := httpx.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		order = append(order, "handler")
	}), mw("first"), mw("second"), mw("third"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, []string{"first in", "second in", "third in", "handler", "third out", "second out", "first out"}, order)
}

func TestChainWithoutMiddleware(t *testing.T) {
	t.Parallel()
	called := false
	httpx.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.True(t, called)
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-z]+$`)

// serveRequestID runs RequestID and returns the echoed header and the id
// the handler found in its context.
func serveRequestID(t *testing.T, incoming string, set bool) (header, inContext string) {
	t.Helper()
	h := httpx.RequestID()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inContext = httpx.RequestIDFrom(r.Context())
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if set {
		r.Header.Set("X-Request-Id", incoming)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Header().Get("X-Request-Id"), inContext
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		incoming string
		set      bool
		echoed   bool
	}{
		{name: "sane id is echoed", incoming: "req-123_abc.DEF", set: true, echoed: true},
		{name: "uuid is echoed", incoming: "3f1c9a52-7d1e-4c1b-9a43-2f0d6b8e1a01", set: true, echoed: true},
		{name: "64 characters is the longest kept", incoming: strings.Repeat("a", 64), set: true, echoed: true},
		{name: "no header", set: false},
		{name: "empty header", incoming: "", set: true},
		{name: "65 characters is too long", incoming: strings.Repeat("a", 65), set: true},
		{name: "space", incoming: "a b", set: true},
		{name: "markup", incoming: "<script>", set: true},
		{name: "log injection", incoming: "a\" level=ERROR", set: true},
		{name: "non-ASCII", incoming: "žluťoučký", set: true},
		{name: "slash", incoming: "a/b", set: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header, inContext := serveRequestID(t, tc.incoming, tc.set)
			assert.Equal(t, header, inContext, "the context holds the id that was echoed")
			if tc.echoed {
				assert.Equal(t, tc.incoming, header)
				return
			}
			assert.Regexp(t, generatedID, header)
		})
	}
}

func TestRequestIDGeneratedIDsDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 20 {
		id, _ := serveRequestID(t, "", false)
		require.Regexp(t, generatedID, id)
		require.False(t, seen[id], "id %s generated twice", id)
		seen[id] = true
	}
}

func TestRequestIDFromEmptyContext(t *testing.T) {
	t.Parallel()
	assert.Empty(t, httpx.RequestIDFrom(t.Context()))
}

func TestRecover(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := httpx.Recover(jsonLogger(&buf, slog.LevelInfo))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom: secret internals")
	}))
	w := httptest.NewRecorder()
	require.NotPanics(t, func() { h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/oidc/token?x=1", nil)) })

	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "application/json;charset=UTF-8", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":"server_error"}`, w.Body.String())
	assert.NotContains(t, w.Body.String(), "boom")

	recs := logRecords(t, &buf)
	require.Len(t, recs, 1)
	assert.Equal(t, "ERROR", recs[0]["level"])
	assert.Equal(t, "handler panicked", recs[0]["msg"])
	assert.Equal(t, "boom: secret internals", recs[0]["panic"])
	assert.Equal(t, "/oidc/token", recs[0]["path"])
}

func TestRecoverPassesThrough(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := httpx.Recover(jsonLogger(&buf, slog.LevelDebug))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusTeapot, w.Code)
	assert.Empty(t, buf.String())
}

// http.ErrAbortHandler is how fault injection drops a connection; Recover
// must let net/http see it.
func TestRecoverRepanicsErrAbortHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := httpx.Recover(jsonLogger(&buf, slog.LevelDebug))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	w := httptest.NewRecorder()
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	})
	assert.Empty(t, buf.String(), "an abort is not logged as a crash")
	assert.Empty(t, w.Body.String(), "and no error body is written")
}

func TestMaxBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{name: "under the limit", body: "abc"},
		{name: "at the limit", body: "abcde"},
		{name: "over the limit", body: "abcdef", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []byte
			var err error
			h := httpx.MaxBytes(5)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, err = io.ReadAll(r.Body)
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body)))
			if tc.wantErr {
				var tooLarge *http.MaxBytesError
				require.ErrorAs(t, err, &tooLarge)
				assert.Equal(t, int64(5), tooLarge.Limit)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(got))
		})
	}
}

func TestMaxBytesNilBody(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Body = nil
	called := false
	httpx.MaxBytes(5)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		called = true
		assert.Nil(t, r.Body)
	})).ServeHTTP(httptest.NewRecorder(), r)
	assert.True(t, called)
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		target     string
		handler    http.HandlerFunc
		wantPath   string
		wantStatus float64
		wantBytes  float64
	}{
		{
			name: "status and size", method: http.MethodPost, target: "/oidc/token",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte("12345"))
			},
			wantPath: "/oidc/token", wantStatus: 400, wantBytes: 5,
		},
		{
			name: "write without WriteHeader is 200", method: http.MethodGet, target: "/jwks",
			handler:  func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) },
			wantPath: "/jwks", wantStatus: 200, wantBytes: 2,
		},
		{
			name: "handler that writes nothing is 200", method: http.MethodPost, target: "/oidc/revoke",
			handler:  func(http.ResponseWriter, *http.Request) {},
			wantPath: "/oidc/revoke", wantStatus: 200, wantBytes: 0,
		},
		{
			name: "query string is never logged", method: http.MethodGet, target: "/oidc/authorize?client_id=web&client_secret=s3cret&code=c0de",
			handler:  func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusFound) },
			wantPath: "/oidc/authorize", wantStatus: 302, wantBytes: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			h := httpx.AccessLog(jsonLogger(&buf, slog.LevelInfo))(tc.handler)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.target, nil))

			raw := buf.String()
			assert.NotContains(t, raw, "s3cret")
			assert.NotContains(t, raw, "c0de")
			assert.NotContains(t, raw, "?")
			recs := logRecords(t, &buf)
			require.Len(t, recs, 1)
			rec := recs[0]
			assert.Equal(t, "INFO", rec["level"])
			assert.Equal(t, "request", rec["msg"])
			assert.Equal(t, tc.method, rec["method"])
			assert.Equal(t, tc.wantPath, rec["path"])
			assert.Equal(t, tc.wantStatus, rec["status"])
			assert.Equal(t, tc.wantBytes, rec["bytes"])
			assert.Contains(t, rec, "duration")
		})
	}
}

func TestAccessLogDisabledLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := httpx.AccessLog(jsonLogger(&buf, slog.LevelWarn))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusAccepted, w.Code, "the response is unaffected")
	assert.Empty(t, buf.String())
}

func TestStatusRecorder(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	rec := &httpx.StatusRecorder{ResponseWriter: w}
	rec.WriteHeader(http.StatusCreated)
	rec.WriteHeader(http.StatusInternalServerError)
	n, err := rec.Write([]byte("abc"))
	require.NoError(t, err)
	_, _ = rec.Write([]byte("de"))

	assert.Equal(t, 3, n)
	assert.Equal(t, http.StatusCreated, rec.Status, "the first status written is the one sent")
	assert.Equal(t, 5, rec.Bytes)
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, "abcde", w.Body.String())

	// Unwrap lets http.ResponseController reach the real writer's Flush.
	require.NoError(t, http.NewResponseController(rec).Flush())
	assert.True(t, w.Flushed)
}

func TestContextHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(httpx.ContextHandler{Handler: slog.NewJSONHandler(&buf, nil)})

	var header string
	h := httpx.RequestID()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = w.Header().Get("X-Request-Id")
		logger.InfoContext(r.Context(), "inside")
		logger.With("provider", "oidc").InfoContext(r.Context(), "scoped")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	logger.InfoContext(t.Context(), "outside")

	recs := logRecords(t, &buf)
	require.Len(t, recs, 3)
	require.NotEmpty(t, header)
	assert.Equal(t, header, recs[0]["request_id"])
	assert.Equal(t, header, recs[1]["request_id"], "WithAttrs keeps the request id")
	assert.Equal(t, "oidc", recs[1]["provider"])
	assert.NotContains(t, recs[2], "request_id", "no id in the context, no attribute")
}

func TestContextHandlerWithGroup(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := httpx.ContextHandler{Handler: slog.NewJSONHandler(&buf, nil)}.WithGroup("g")
	_, ok := h.(httpx.ContextHandler)
	require.True(t, ok, "WithGroup must keep the wrapper")
	_, ok = httpx.ContextHandler{Handler: slog.NewJSONHandler(&buf, nil)}.WithAttrs(nil).(httpx.ContextHandler)
	assert.True(t, ok, "WithAttrs must keep the wrapper")
}

// The request's context with the id still carries everything the
// incoming one did: its values, and its cancellation, which reaches
// contexts a handler derives from it (a client that leaves).
func TestRequestIDKeepsTheContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	var derived context.Context
	var stop context.CancelFunc
	h := httpx.RequestID()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "v", r.Context().Value(key{}))
		assert.NotEmpty(t, httpx.RequestIDFrom(r.Context()))
		derived, stop = context.WithTimeout(r.Context(), time.Hour)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(parent))
	defer stop()
	require.NoError(t, derived.Err())
	cancel()
	select {
	case <-derived.Done():
		assert.ErrorIs(t, derived.Err(), context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the request's context did not reach a context derived from it")
	}
}
