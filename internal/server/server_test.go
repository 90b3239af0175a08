package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/provider"
)

// twoFakes mounts "a" at /a and "b" at /nested/b.
const twoFakes = `{"defaults": false, "server": {"addr": "127.0.0.1:0"%s}, "providers": [
	{"name": "a", "dialect": "fake", "config": {"greeting": "hi from a"}},
	{"name": "b", "dialect": "fake", "mount": "/nested/b"}
]}`

func loadConfig(t *testing.T, file string) *config.Config {
	t.Helper()
	cfg, ps := config.Load([]byte(file), t.TempDir(), map[string]provider.Factory{"fake": fakeFactory{}})
	require.Empty(t, ps, "%v", ps)
	return cfg
}

// start runs a server for the test; extra is spliced into the server
// settings of twoFakes.
func start(t *testing.T, extra string) *Server {
	t.Helper()
	s, err := New(loadConfig(t, strings.Replace(twoFakes, "%s", extra, 1)), Options{})
	require.NoError(t, err)
	require.NoError(t, s.Start(t.Context()))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, client *http.Client, method, url string, header map[string]string, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func TestRouting(t *testing.T) {
	plain := start(t, "")
	rooted := start(t, `, "root": "a"`)
	tests := []struct {
		name       string
		srv        *Server
		method     string
		path       string
		wantStatus int
		wantBody   string // JSON; %s is the server's base URL
		wantAllow  string
	}{
		{name: "instance a", srv: plain, method: "GET", path: "/a/hello", wantStatus: 200,
			wantBody: `{"greeting":"hi from a","issuer":"%s/a","path":"/a/hello"}`},
		{name: "nested mount", srv: plain, method: "GET", path: "/nested/b/hello", wantStatus: 200,
			wantBody: `{"greeting":"hello","issuer":"%s/nested/b","path":"/nested/b/hello"}`},
		{name: "prefix is matched segment-wise", srv: plain, method: "GET", path: "/ab/hello", wantStatus: 404,
			wantBody: `{"error":"not_found","error_description":"no route for GET /ab/hello"}`},
		{name: "unknown path in a mount", srv: plain, method: "GET", path: "/a/nope", wantStatus: 404,
			wantBody: `{"error":"not_found","error_description":"no route for GET /a/nope"}`},
		{name: "paths are not cleaned", srv: plain, method: "GET", path: "/a//hello", wantStatus: 404,
			wantBody: `{"error":"not_found","error_description":"no route for GET /a//hello"}`},
		{name: "nothing at / without root", srv: plain, method: "GET", path: "/hello", wantStatus: 404,
			wantBody: `{"error":"not_found","error_description":"no route for GET /hello"}`},
		{name: "wrong method", srv: plain, method: "POST", path: "/a/hello", wantStatus: 405, wantAllow: "GET, HEAD",
			wantBody: `{"error":"method_not_allowed","error_description":"POST is not allowed on /a/hello"}`},
		{name: "health", srv: plain, method: "GET", path: "/_authmock/health", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "health wrong method", srv: plain, method: "DELETE", path: "/_authmock/health", wantStatus: 405, wantAllow: "GET, HEAD",
			wantBody: `{"error":"method_not_allowed","error_description":"DELETE is not allowed on /_authmock/health"}`},
		{name: "RFC 8414 path-inserted metadata", srv: plain, method: "GET", path: "/.well-known/oauth-authorization-server/nested/b", wantStatus: 200,
			wantBody: `{"issuer":"%s/nested/b","path":"/nested/b/.well-known/oauth-authorization-server"}`},
		{name: "metadata under the mount", srv: plain, method: "GET", path: "/nested/b/.well-known/oauth-authorization-server", wantStatus: 200,
			wantBody: `{"issuer":"%s/nested/b","path":"/nested/b/.well-known/oauth-authorization-server"}`},
		{name: "path-inserted metadata the dialect lacks", srv: plain, method: "GET", path: "/.well-known/openid-configuration/a", wantStatus: 404,
			wantBody: `{"error":"not_found","error_description":"no route for GET /a/.well-known/openid-configuration"}`},
		{name: "panic becomes 500", srv: plain, method: "GET", path: "/a/panic", wantStatus: 500, wantBody: `{"error":"server_error"}`},

		{name: "root instance at /", srv: rooted, method: "GET", path: "/hello", wantStatus: 200,
			wantBody: `{"greeting":"hi from a","issuer":"%s","path":"/hello"}`},
		{name: "root instance keeps its mount, same issuer", srv: rooted, method: "GET", path: "/a/hello", wantStatus: 200,
			wantBody: `{"greeting":"hi from a","issuer":"%s","path":"/a/hello"}`},
		{name: "other instance unaffected by root", srv: rooted, method: "GET", path: "/nested/b/hello", wantStatus: 200,
			wantBody: `{"greeting":"hello","issuer":"%s/nested/b","path":"/nested/b/hello"}`},
		{name: "admin wins over root", srv: rooted, method: "GET", path: "/_authmock/health", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "405 on another mount survives root", srv: rooted, method: "POST", path: "/nested/b/hello", wantStatus: 405, wantAllow: "GET, HEAD",
			wantBody: `{"error":"method_not_allowed","error_description":"POST is not allowed on /nested/b/hello"}`},
		{name: "405 at root", srv: rooted, method: "POST", path: "/hello", wantStatus: 405, wantAllow: "GET, HEAD",
			wantBody: `{"error":"method_not_allowed","error_description":"POST is not allowed on /hello"}`},
		{name: "404 at root", srv: rooted, method: "GET", path: "/nope", wantStatus: 404,
			wantBody: `{"error":"not_found","error_description":"no route for GET /nope"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, nil, tc.method, tc.srv.URL()+tc.path, nil, nil)
			assert.Equal(t, tc.wantStatus, res.status)
			assert.JSONEq(t, strings.ReplaceAll(tc.wantBody, "%s", tc.srv.URL()), res.body)
			assert.Equal(t, "application/json;charset=UTF-8", res.header.Get("Content-Type"))
			assert.NotEmpty(t, res.header.Get("X-Request-Id"), "the outer chain wraps every response")
			assert.Equal(t, tc.wantAllow, res.header.Get("Allow"))
		})
	}
}

func TestAccessors(t *testing.T) {
	s := start(t, `, "root": "b"`)
	assert.True(t, strings.HasPrefix(s.URL(), "http://127.0.0.1:"), s.URL())
	assert.NotEqual(t, "http://127.0.0.1:0", s.URL(), "the real port is known")
	assert.Equal(t, s.URL()+"/a", s.ProviderURL("a"))
	assert.Equal(t, s.URL(), s.ProviderURL("b"), "the root instance's issuer is the bare base URL")
	assert.Empty(t, s.ProviderURL("nope"))
	assert.NotNil(t, s.Provider("a"))
	assert.Nil(t, s.Provider("nope"))
	assert.Nil(t, s.TLSCertPEM())

	// The probe endpoint is outside the admin guard: passwords (and
	// client secrets) are fingerprints, as in the fixtures API.
	res := do(t, nil, "GET", s.URL()+"/_authmock/providers", nil, nil)
	require.Equal(t, 200, res.status)
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
	assert.JSONEq(t, strings.ReplaceAll(`[
		{"name":"a","dialect":"fake","url":"%s/a","mount":"/a",
		 "description":{"dialect":"fake","endpoints":[{"name":"hello","url":"%s/a/hello"}],"users":[{"username":"alice","password":"[redacted sha256:30c952fa]"}]}},
		{"name":"b","dialect":"fake","url":"%s","mount":"/nested/b","root":true,
		 "description":{"dialect":"fake","endpoints":[{"name":"hello","url":"%s/hello"}],"users":[{"username":"alice","password":"[redacted sha256:30c952fa]"}]}}
	]`, "%s", s.URL()), res.body)
}

func TestCORS(t *testing.T) {
	s := start(t, "")
	tests := []struct {
		name       string
		origin     string
		wantStatus int
		wantAllow  string
	}{
		{name: "localhost origin preflight", origin: "http://localhost:3000", wantStatus: 204, wantAllow: "http://localhost:3000"},
		{name: "loopback IP origin preflight", origin: "http://127.0.0.1:5173", wantStatus: 204, wantAllow: "http://127.0.0.1:5173"},
		{name: "foreign origin gets no CORS headers", origin: "https://evil.example", wantStatus: 405, wantAllow: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, nil, "OPTIONS", s.URL()+"/a/echo", map[string]string{
				"Origin": tc.origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
			}, nil)
			assert.Equal(t, tc.wantStatus, res.status)
			assert.Equal(t, tc.wantAllow, res.header.Get("Access-Control-Allow-Origin"))
			if tc.wantAllow == "" {
				assert.Empty(t, res.header.Get("Access-Control-Allow-Methods"))
			} else {
				assert.Contains(t, res.header.Get("Access-Control-Allow-Methods"), "POST")
			}
		})
	}
	t.Run("simple request from an allowed origin", func(t *testing.T) {
		res := do(t, nil, "GET", s.URL()+"/a/nope", map[string]string{"Origin": "http://localhost:3000"}, nil)
		assert.Equal(t, 404, res.status)
		assert.Equal(t, "http://localhost:3000", res.header.Get("Access-Control-Allow-Origin"), "404s carry CORS headers too")
	})
	t.Run("never on the admin API", func(t *testing.T) {
		for _, path := range []string{"/_authmock/clock", "/_authmock/nope", "/_authmock/providers"} {
			res := do(t, nil, "GET", s.URL()+path, map[string]string{"Origin": "http://localhost:3000"}, nil)
			assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"), path)
			assert.Empty(t, res.header.Get("Access-Control-Allow-Credentials"), path)
			pre := do(t, nil, "OPTIONS", s.URL()+path, map[string]string{
				"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
			}, nil)
			assert.NotEqual(t, 204, pre.status, path)
			assert.Empty(t, pre.header.Get("Access-Control-Allow-Origin"), path)
			assert.Empty(t, pre.header.Get("Access-Control-Allow-Methods"), path)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	s := start(t, "")
	tests := []struct {
		name       string
		size       int
		wantStatus int
	}{
		{name: "small body", size: 1000, wantStatus: 200},
		{name: "exactly the limit", size: 1 << 20, wantStatus: 200},
		{name: "2 MiB", size: 2 << 20, wantStatus: 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, nil, "POST", s.URL()+"/a/echo", nil, bytes.NewReader(make([]byte, tc.size)))
			assert.Equal(t, tc.wantStatus, res.status, res.body)
		})
	}
	health := do(t, nil, "GET", s.URL()+"/_authmock/health", nil, nil)
	assert.Equal(t, 200, health.status, "still serving")
}

func TestGracefulShutdown(t *testing.T) {
	s := start(t, "")
	fake := s.Provider("a").(*fakeProvider)

	result := make(chan response, 1)
	go func() {
		res, err := http.Get(s.URL() + "/a/slow")
		if err != nil {
			result <- response{status: -1, body: err.Error()}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		result <- response{status: res.StatusCode, body: string(b)}
	}()
	<-fake.entered

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) before the request in flight finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(fake.release)
	res := <-result
	assert.Equal(t, 200, res.status, res.body)
	assert.JSONEq(t, `{"slow":"done"}`, res.body)
	require.NoError(t, <-shut)
	require.NoError(t, s.Wait())

	_, err := http.Get(s.URL() + "/_authmock/health")
	assert.Error(t, err, "no longer listening")
	assert.Error(t, s.Start(t.Context()), "a closed server cannot restart")
}

func TestSelfSignedTLS(t *testing.T) {
	dir := t.TempDir()
	s := start(t, `, "tls": {"self_signed": true, "self_signed_dir": "`+filepath.ToSlash(dir)+`"}`)
	require.True(t, strings.HasPrefix(s.URL(), "https://127.0.0.1:"), s.URL())
	certPEM := s.TLSCertPEM()
	require.NotEmpty(t, certPEM)
	written, err := os.ReadFile(filepath.Join(dir, CertFileName))
	require.NoError(t, err)
	assert.Equal(t, certPEM, written)
	assert.Equal(t, filepath.Join(dir, CertFileName), s.TLSCertPath())

	t.Run("client trusting the certificate", func(t *testing.T) {
		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(certPEM))
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		res := do(t, client, "GET", s.URL()+"/_authmock/health", nil, nil)
		assert.Equal(t, 200, res.status)
		assert.JSONEq(t, `{"status":"ok"}`, res.body)
		var body map[string]string
		require.NoError(t, json.Unmarshal([]byte(do(t, client, "GET", s.URL()+"/a/hello", nil, nil).body), &body))
		assert.Equal(t, s.URL()+"/a", body["issuer"], "the issuer uses https")
	})
	t.Run("client not trusting it", func(t *testing.T) {
		_, err := http.Get(s.URL() + "/_authmock/health")
		require.Error(t, err)
	})
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr string
	}{
		{name: "factory fails", file: `{"defaults":false,"providers":[{"name":"x","dialect":"fake","config":{"greeting":"fail"}}]}`, wantErr: `provider "x": asked to fail`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(loadConfig(t, tc.file), Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestNewWithoutListening(t *testing.T) {
	cfg := loadConfig(t, `{"defaults":false,"server":{"issuer_url":"http://auth.test:1234"},"providers":[{"name":"x","dialect":"fake"}]}`)
	s, err := New(cfg, Options{})
	require.NoError(t, err)
	assert.Equal(t, "http://auth.test:1234", s.URL())
	assert.Equal(t, "http://auth.test:1234/x", s.ProviderURL("x"))
	assert.Nil(t, s.listener, "an explicit issuer needs no listener")
	require.NoError(t, s.Wait(), "never started")
	require.NoError(t, s.Shutdown(t.Context()))
	require.NoError(t, s.Close(), "closing twice is harmless")
}

func TestURLHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{":8080", "127.0.0.1:8080"},
		{"0.0.0.0:8080", "127.0.0.1:8080"},
		{"[::]:8080", "[::1]:8080"},
		{"localhost:80", "localhost:80"},
		{"[::1]:9", "[::1]:9"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) { assert.Equal(t, tc.want, urlHost(tc.in)) })
	}
}
