package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/journal"
)

// HEAD on a GET route answers as GET without a body, on a mount, on the
// root instance and on the admin API; the journal records HEAD.
func TestHeadServesGetRoutes(t *testing.T) {
	plain := start(t, "")
	rooted := start(t, `, "root": "b"`)
	tests := []struct {
		name       string
		srv        *Server
		path       string
		wantStatus int
		wantAllow  string
	}{
		{name: "GET route on a mount", srv: plain, path: "/a/hello", wantStatus: 200},
		{name: "GET route on a nested mount", srv: plain, path: "/nested/b/hello", wantStatus: 200},
		{name: "GET route of the root instance", srv: rooted, path: "/hello", wantStatus: 200},
		{name: "admin GET route", srv: plain, path: "/_authmock/clock", wantStatus: 200},
		{name: "POST-only route stays a 405", srv: plain, path: "/a/echo", wantStatus: 405, wantAllow: "POST"},
		{name: "no route stays a 404", srv: plain, path: "/a/nope", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, nil, http.MethodHead, tc.srv.URL()+tc.path, nil, nil)
			require.Equal(t, tc.wantStatus, res.status)
			assert.Empty(t, res.body)
			assert.Equal(t, tc.wantAllow, res.header.Get("Allow"))
			if tc.wantStatus == 200 {
				assert.Equal(t, "application/json;charset=UTF-8", res.header.Get("Content-Type"), "the GET answer's headers")
			}
		})
	}
	entries := plain.Journal().List(journal.Filter{Path: "/a/hello"})
	require.Len(t, entries, 1)
	assert.Equal(t, http.MethodHead, entries[0].Method)
	assert.Equal(t, http.StatusOK, entries[0].Status)

	res := do(t, nil, http.MethodDelete, plain.URL()+"/a/hello", nil, nil)
	assert.Equal(t, "GET, HEAD", res.header.Get("Allow"), "Allow lists the HEAD that is served")
}
