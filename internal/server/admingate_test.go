package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doHost sends a request with a chosen Host header, as a DNS-rebinding
// page's browser would.
func doHost(t *testing.T, method, url, host string, header map[string]string, body string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var b strings.Builder
	_, err = io.Copy(&b, res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: b.String()}
}

// The admin API answers loopback Host names only (a DNS-rebinding name
// reaches it from a loopback address too), unless the name is configured;
// provider routes answer any Host.
func TestAdminHostRule(t *testing.T) {
	s := start(t, `, "admin_hosts": ["dev.test"]`)
	port := s.URL()[strings.LastIndex(s.URL(), ":")+1:]
	const refusedFmt = `{"error":"forbidden","error_description":"the admin API answers requests for a loopback host only (localhost, 127.0.0.1, [::1]), not \"%s\"; list the name in server.admin_hosts if it is yours"}`
	tests := []struct {
		name, method, path, host string
		wantStatus               int
	}{
		{name: "rebinding name", method: "GET", path: "/_authmock/clock", host: "rebind.attacker.example:" + port, wantStatus: 403},
		{name: "rebinding name on health", method: "GET", path: "/_authmock/health", host: "rebind.attacker.example:" + port, wantStatus: 403},
		{name: "rebinding name on providers", method: "GET", path: "/_authmock/providers", host: "rebind.attacker.example:" + port, wantStatus: 403},
		{name: "rebinding name changing state", method: "POST", path: "/_authmock/clock/freeze", host: "rebind.attacker.example", wantStatus: 403},
		{name: "a LAN address", method: "GET", path: "/_authmock/clock", host: "192.168.1.20:" + port, wantStatus: 403},
		{name: "localhost", method: "GET", path: "/_authmock/clock", host: "localhost:" + port, wantStatus: 200},
		{name: "LOCALHOST.", method: "GET", path: "/_authmock/clock", host: "LOCALHOST.:" + port, wantStatus: 200},
		{name: "a .localhost subdomain", method: "GET", path: "/_authmock/clock", host: "app.localhost:" + port, wantStatus: 200},
		{name: "127.0.0.2", method: "GET", path: "/_authmock/clock", host: "127.0.0.2:" + port, wantStatus: 200},
		{name: "[::1]", method: "GET", path: "/_authmock/clock", host: "[::1]:" + port, wantStatus: 200},
		{name: "a configured name", method: "GET", path: "/_authmock/clock", host: "DEV.test:" + port, wantStatus: 200},
		{name: "provider routes answer any host", method: "GET", path: "/a/hello", host: "rebind.attacker.example:" + port, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := doHost(t, tc.method, s.URL()+tc.path, tc.host, nil, "")
			require.Equal(t, tc.wantStatus, res.status, res.body)
			if tc.wantStatus == 403 {
				assert.JSONEq(t, strings.Replace(refusedFmt, "%s", tc.host, 1), res.body)
			}
		})
	}
	assert.False(t, s.Clock().Frozen(), "the refused freeze changed nothing")
}

// Bound to a non-loopback address on purpose, the server cannot know the
// names it is reached by: the Host rule is lifted (the access guard and
// admin_token still apply).
func TestAdminHostRuleLiftedOffLoopback(t *testing.T) {
	s, err := New(loadConfig(t, strings.Replace(twoFakes, "%s", "", 1)), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.False(t, s.adminGate().AnyHost, "listening on 127.0.0.1")
	assert.Contains(t, s.adminGate().Hosts, "127.0.0.1", "the base URL's host")
	assert.Contains(t, s.adminGate().Origins, s.URL(), "the base URL's origin")
	// Judge the configured address alone, as before a non-zero port is
	// listened on (nothing is bound to 0.0.0.0 here).
	ln := s.listener
	s.listener = nil
	t.Cleanup(func() { s.listener = ln })
	for addr, anyHost := range map[string]bool{"0.0.0.0:8080": true, ":8080": true, "192.168.1.20:8080": true, "127.0.0.1:8080": false, "[::1]:8080": false, "localhost:8080": false} {
		s.cfg.Server.Addr = addr
		assert.Equal(t, anyHost, s.adminGate().AnyHost, addr)
	}
}

// A page on another origin must not change state through "simple"
// requests (no preflight), while curl -d, scripts and the same-origin
// dashboard's JSON fetch keep working.
func TestAdminCrossSiteRule(t *testing.T) {
	s := start(t, `, "admin_origins": ["http://dev.test:3000"]`)
	s.Clock().Freeze()
	frozenAt := s.Clock().Now()
	const (
		foreign  = `{"error":"forbidden","error_description":"the admin API refuses state-changing calls from another origin (%s); only pages served by authmock itself or listed in server.admin_origins may make them"}`
		needJSON = `{"error":"forbidden","error_description":"a browser's state-changing admin call must send Content-Type: application/json or X-Authmock: 1, so that no page can send it as a simple cross-site request"}`
		otherSit = `{"error":"forbidden","error_description":"the admin API refuses state-changing calls from another site (Sec-Fetch-Site: cross-site)"}`
	)
	own := s.URL()
	tests := []struct {
		name       string
		header     map[string]string
		wantStatus int
		wantBody   string
	}{
		{name: "text/plain from a foreign origin", header: map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"},
			wantStatus: 403, wantBody: strings.Replace(foreign, "%s", "https://evil.example", 1)},
		{name: "JSON from a foreign origin", header: map[string]string{"Origin": "http://localhost:3000", "Content-Type": "application/json"},
			wantStatus: 403, wantBody: strings.Replace(foreign, "%s", "http://localhost:3000", 1)},
		{name: "a sandboxed page (Origin: null)", header: map[string]string{"Origin": "null", "Content-Type": "application/json"},
			wantStatus: 403, wantBody: strings.Replace(foreign, "%s", "null", 1)},
		{name: "form from the own origin", header: map[string]string{"Origin": own, "Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: 403, wantBody: needJSON},
		{name: "text/plain, cross-site without Origin", header: map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
			wantStatus: 403, wantBody: otherSit},
		{name: "same-site is not same-origin", header: map[string]string{"Sec-Fetch-Site": "same-site", "Content-Type": "application/json"},
			wantStatus: 403, wantBody: strings.Replace(otherSit, "cross-site", "same-site", 1)},
		{name: "text/plain, same-origin fetch", header: map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "text/plain"},
			wantStatus: 403, wantBody: needJSON},
		{name: "JSON from the own origin (the dashboard)", header: map[string]string{"Origin": own, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, wantStatus: 200},
		{name: "X-Authmock from the own origin", header: map[string]string{"Origin": own, "Content-Type": "text/plain", "X-Authmock": "1"}, wantStatus: 200},
		{name: "typed in the address bar (Sec-Fetch-Site: none)", header: map[string]string{"Sec-Fetch-Site": "none", "Content-Type": "application/json; charset=utf-8"}, wantStatus: 200},
		{name: "a configured origin", header: map[string]string{"Origin": "http://dev.test:3000", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, wantStatus: 200},
		{name: "curl -d (no browser markers)", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, wantStatus: 200},
		{name: "a script sending text/plain", header: map[string]string{"Content-Type": "text/plain"}, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Clock().Now()
			res := doHost(t, http.MethodPost, s.URL()+"/_authmock/clock/advance", "", tc.header, `{"seconds": 60}`)
			require.Equal(t, tc.wantStatus, res.status, res.body)
			if tc.wantBody != "" {
				assert.JSONEq(t, tc.wantBody, res.body)
				assert.Equal(t, before, s.Clock().Now(), "a refused call moves nothing")
			} else {
				assert.Equal(t, before.Add(time.Minute), s.Clock().Now())
			}
		})
	}
	t.Run("reads are not state changes", func(t *testing.T) {
		res := doHost(t, http.MethodGet, s.URL()+"/_authmock/clock", "", map[string]string{"Origin": "https://evil.example"}, "")
		assert.Equal(t, 200, res.status)
		assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"), "and no CORS header lets the page read the answer")
	})
	t.Run("provider routes keep CORS and take any content type", func(t *testing.T) {
		res := doHost(t, http.MethodPost, s.URL()+"/a/echo", "", map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}, "x")
		assert.Equal(t, 200, res.status)
	})
	assert.True(t, frozenAt.Before(s.Clock().Now()))
}

// Behind a TLS-terminating proxy, the page's origin is issuer_url's while
// the request arrives as plain http for that host.
func TestAdminCrossSiteRuleBehindAProxy(t *testing.T) {
	s := start(t, `, "issuer_url": "https://auth.test:8443"`)
	header := map[string]string{"Origin": "https://auth.test:8443", "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
	addr := s.listener.Addr().String()
	res := doHost(t, http.MethodPost, "http://"+addr+"/_authmock/clock/freeze", "auth.test:8443", header, "")
	assert.Equal(t, http.StatusOK, res.status, res.body)
	assert.True(t, s.Clock().Frozen())
	header["Origin"] = "https://evil.test"
	res = doHost(t, http.MethodPost, "http://"+addr+"/_authmock/clock/unfreeze", "auth.test:8443", header, "")
	assert.Equal(t, http.StatusForbidden, res.status, res.body)
	assert.True(t, s.Clock().Frozen(), "the refused call changed nothing")
}
