package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/faults"
	"github.com/authmock/authmock/internal/journal"
)

// Headers far beyond any real request are refused before a handler (and
// the journal) sees them.
func TestOversizedHeadersRefused(t *testing.T) {
	s := start(t, "")
	tests := []struct {
		name       string
		header     map[string]string
		path       string
		wantStatus int
	}{
		{name: "a 100 KiB header", header: map[string]string{"X-Big": strings.Repeat("h", 100<<10)}, path: "/a/hello", wantStatus: http.StatusRequestHeaderFieldsTooLarge},
		{name: "a 100 KiB query", path: "/a/hello?q=" + strings.Repeat("q", 100<<10), wantStatus: http.StatusRequestHeaderFieldsTooLarge},
		{name: "a long JWT", header: map[string]string{"Authorization": "Bearer " + strings.Repeat("j", 8<<10)}, path: "/a/hello", wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, nil, http.MethodGet, s.URL()+tc.path, tc.header, nil)
			assert.Equal(t, tc.wantStatus, res.status)
		})
	}
	assert.Len(t, s.Journal().List(journal.Filter{}), 1, "refused requests never reach the journal")
}

// A client that does not read its answer cannot hold the connection (and
// its buffers) forever, yet the longest fault delay still completes.
func TestTimeoutsBoundWritesAndOutlastFaultDelays(t *testing.T) {
	s := start(t, "")
	assert.Greater(t, s.http.WriteTimeout, faults.MaxDelay)
	assert.Positive(t, s.http.IdleTimeout)
	assert.Positive(t, s.http.MaxHeaderBytes)
}
