package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/journal"
)

// A client that gives up after sending a valid request is not a server
// error: no 500 is written, no ERROR is logged, and the journal records no
// answer (status 0) rather than a 5xx.
func TestClientGoneIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	cfg := loadConfig(t, strings.Replace(twoFakes, "%s", "", 1))
	s, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the client closed the connection
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/a/store", nil)
	req.RemoteAddr = "127.0.0.1:5555"
	rec := &headerCounter{ResponseRecorder: httptest.NewRecorder()}
	s.http.Handler.ServeHTTP(rec, req)

	assert.Empty(t, rec.Body.String(), "nothing is written to a client that left")
	assert.Zero(t, rec.writeHeaders, "no status either")
	assert.NotContains(t, logs.String(), "level=ERROR")
	assert.NotContains(t, logs.String(), "status=500")
	entries := s.Journal().List(journal.Filter{Path: "/a/store"})
	require.Len(t, entries, 1)
	assert.Equal(t, 0, entries[0].Status, "no answer, not a server error")

	// A client that stays gets its answer.
	logs.Reset()
	req = httptest.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/a/store", nil)
	ok := httptest.NewRecorder()
	s.http.Handler.ServeHTTP(ok, req)
	assert.Equal(t, http.StatusOK, ok.Code)
}

func TestClientGoneLogsAtDebug(t *testing.T) {
	var logs bytes.Buffer
	cfg := loadConfig(t, strings.Replace(twoFakes, "%s", "", 1))
	s, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s.http.Handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/a/store", nil))
	assert.Contains(t, logs.String(), `level=DEBUG msg="request failed" provider=a error="context canceled" client_gone=true`)
	assert.Contains(t, logs.String(), `level=DEBUG msg=request method=POST path=/a/store status=0`)
}

type headerCounter struct {
	*httptest.ResponseRecorder
	writeHeaders int
}

func (h *headerCounter) WriteHeader(code int) {
	h.writeHeaders++
	h.ResponseRecorder.WriteHeader(code)
}
