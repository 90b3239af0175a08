package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The dashboard is mounted under the admin prefix, with its policy, and
// its routes list answers for the fault form.
func TestDashboardAndRoutes(t *testing.T) {
	s := start(t, "")
	admin := s.URL() + AdminPrefix

	res := do(t, nil, http.MethodGet, admin+"/ui", nil, nil)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Contains(t, res.header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.Contains(t, res.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Contains(t, res.body, `data-admin="/_authmock" data-token-required="false"`)
	res = do(t, nil, http.MethodGet, admin+"/ui/static/app.js", nil, nil)
	assert.Equal(t, http.StatusOK, res.status)
	res = do(t, nil, http.MethodPost, admin+"/ui", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.status)
	assert.Equal(t, "GET, HEAD", res.header.Get("Allow"))

	res = do(t, nil, http.MethodGet, admin+"/providers/a/routes", nil, nil)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.JSONEq(t, `{"routes":[
		{"path":"/hello","methods":["GET"]},
		{"path":"/echo","methods":["POST"]},
		{"path":"/.well-known/oauth-authorization-server","methods":["GET"]},
		{"path":"/store","methods":["POST"]},
		{"path":"/panic"},
		{"path":"/slow"}]}`, res.body)
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))

	res = do(t, nil, http.MethodGet, admin+"/providers/nope/routes", nil, nil)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.JSONEq(t, `{"error":"not_found","error_description":"no provider instance \"nope\"; GET /_authmock/providers lists them"}`, res.body)
}

// With an admin token the page itself is served (a browser cannot send a
// bearer token when it navigates) and asks for the token; the API behind
// it, routes included, still wants it.
func TestDashboardWithAdminToken(t *testing.T) {
	s := start(t, `, "admin_token": "0123456789abcdef"`)
	admin := s.URL() + AdminPrefix

	res := do(t, nil, http.MethodGet, admin+"/ui", nil, nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `data-token-required="true"`)
	res = do(t, nil, http.MethodGet, admin+"/providers/a/routes", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	res = do(t, nil, http.MethodGet, admin+"/providers/a/routes", map[string]string{"Authorization": "Bearer 0123456789abcdef"}, nil)
	assert.Equal(t, http.StatusOK, res.status)
}
