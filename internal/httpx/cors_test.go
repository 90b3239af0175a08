package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
)

func TestOriginPolicyAllows(t *testing.T) {
	t.Parallel()
	explicit := httpx.OriginPolicy{Origins: []string{"https://app.example.com", "http://localhost:3000"}}
	anyOrigin := httpx.OriginPolicy{Origins: []string{"*"}}
	tests := []struct {
		name   string
		policy httpx.OriginPolicy
		origin string
		want   bool
	}{
		{name: "default: localhost any port", origin: "http://localhost:5173", want: true},
		{name: "default: localhost no port", origin: "http://localhost", want: true},
		{name: "default: https localhost", origin: "https://localhost:8443", want: true},
		{name: "default: 127.0.0.1", origin: "http://127.0.0.1:3000", want: true},
		{name: "default: IPv6 loopback", origin: "http://[::1]:8080", want: true},
		{name: "default: evil.example", origin: "https://evil.example"},
		{name: "default: localhost as a subdomain label", origin: "http://localhost.evil.example"},
		{name: "default: localhost as a suffix", origin: "http://evil-localhost:3000"},
		{name: "default: other loopback address", origin: "http://127.0.0.2:3000"},
		{name: "default: null origin", origin: "null"},
		{name: "default: non-http scheme", origin: "file://localhost"},
		{name: "default: websocket scheme", origin: "ws://localhost:3000"},
		{name: "default: no scheme", origin: "localhost:3000"},
		{name: "default: unparseable", origin: "http://[::1"},
		{name: "explicit: listed", policy: explicit, origin: "https://app.example.com", want: true},
		{name: "explicit: listed, different case", policy: explicit, origin: "HTTPS://APP.EXAMPLE.COM", want: true},
		{name: "explicit: other port", policy: explicit, origin: "http://localhost:3001"},
		{name: "explicit: scheme differs", policy: explicit, origin: "http://app.example.com"},
		{name: "explicit: localhost default no longer applies", policy: explicit, origin: "http://127.0.0.1:3000"},
		{name: "explicit: null", policy: explicit, origin: "null"},
		{name: "star: anything", policy: anyOrigin, origin: "https://evil.example", want: true},
		{name: "star: even null", policy: anyOrigin, origin: "null", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.policy.Allows(tc.origin))
		})
	}
}

type corsResult struct {
	status    int
	header    http.Header
	reachedUs bool
}

func serveCORS(t *testing.T, p httpx.OriginPolicy, r *http.Request) corsResult {
	t.Helper()
	var res corsResult
	h := httpx.CORS(p)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		res.reachedUs = true
		w.WriteHeader(http.StatusTeapot)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res.status, res.header = w.Code, w.Header()
	return res
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodOptions, "/oidc/token", nil)
	r.Header.Set("Origin", "http://localhost:5173")
	r.Header.Set("Access-Control-Request-Method", "POST")
	r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")

	res := serveCORS(t, httpx.OriginPolicy{}, r)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.False(t, res.reachedUs, "a preflight is answered by the middleware")
	assert.Equal(t, http.Header{
		"Access-Control-Allow-Origin":      {"http://localhost:5173"},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {"GET, POST, PUT, PATCH, DELETE, OPTIONS"},
		"Access-Control-Allow-Headers":     {"authorization, content-type"},
		"Access-Control-Max-Age":           {"600"},
		"Vary":                             {"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"},
	}, res.header)
}

func TestCORSPreflightWithoutRequestHeaders(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodOptions, "/jwks", nil)
	r.Header.Set("Origin", "http://127.0.0.1:3000")
	r.Header.Set("Access-Control-Request-Method", "GET")

	res := serveCORS(t, httpx.OriginPolicy{}, r)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Empty(t, res.header.Get("Access-Control-Allow-Headers"))
	assert.Equal(t, "600", res.header.Get("Access-Control-Max-Age"))
}

// A plain OPTIONS (no Access-Control-Request-Method) is not a preflight and
// goes to the handler.
func TestCORSPlainOptionsIsNotPreflight(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodOptions, "/", nil)
	r.Header.Set("Origin", "http://localhost:3000")
	res := serveCORS(t, httpx.OriginPolicy{}, r)
	assert.True(t, res.reachedUs)
	assert.Equal(t, http.StatusTeapot, res.status)
	assert.Empty(t, res.header.Get("Access-Control-Allow-Methods"))
}

func TestCORSActualRequest(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/oidc/token", nil)
	r.Header.Set("Origin", "http://localhost:5173")

	res := serveCORS(t, httpx.OriginPolicy{}, r)
	require.True(t, res.reachedUs)
	assert.Equal(t, http.StatusTeapot, res.status)
	assert.Equal(t, http.Header{
		"Access-Control-Allow-Origin":      {"http://localhost:5173"},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Expose-Headers":    {"WWW-Authenticate, ETag, Retry-After, Location, X-Request-Id, DPoP-Nonce"},
		"Vary":                             {"Origin"},
	}, res.header)
}

func TestCORSDisallowedOrigin(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodGet, http.MethodOptions} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(method, "/oidc/userinfo", nil)
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Access-Control-Request-Method", "GET")

			res := serveCORS(t, httpx.OriginPolicy{}, r)
			assert.True(t, res.reachedUs, "a disallowed origin is left to the handler")
			assert.Equal(t, http.Header{"Vary": {"Origin"}}, res.header, "only Vary, no CORS grant")
		})
	}
}

func TestCORSNoOrigin(t *testing.T) {
	t.Parallel()
	res := serveCORS(t, httpx.OriginPolicy{}, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.True(t, res.reachedUs)
	assert.Empty(t, res.header, "same-origin and non-browser requests get no CORS headers")
}
