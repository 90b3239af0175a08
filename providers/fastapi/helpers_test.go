package fastapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
)

// t0 is the instant every test server's clock is frozen at.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// Test fixtures. Passwords are distinctive so that a leak would be easy to
// spot.
const (
	aliceEmail    = "alice@example.com"
	alicePassword = "alice-password-Qw1"
	aliceID       = "64b7f3a2c9e1d4f5a6b7c8d9"
	bobEmail      = "bob@example.com"
	bobPassword   = "bob-password-Er2"
	carolEmail    = "carol@example.com"
	carolPassword = "carol-password-Ty3"
	testMaxBody   = 4096
	pathPrefix    = "/fastapi"
)

// testConfigJSON: alice is active, verified and a superuser with a
// configured id; bob is active and unverified with a derived id; carol is
// inactive.
const testConfigJSON = `{
  "users": [
    {"username": "alice@example.com", "password": "alice-password-Qw1", "subject": "64b7f3a2c9e1d4f5a6b7c8d9",
     "claims": {"is_verified": true, "is_superuser": true}},
    {"username": "bob@example.com", "password": "bob-password-Er2"},
    {"username": "carol@example.com", "password": "carol-password-Ty3", "disabled": true,
     "claims": {"is_verified": true}}
  ]
}`

func testConfig(tb testing.TB, mutate func(*Config)) Config {
	tb.Helper()
	cfg, ps := parseConfig(json.RawMessage(testConfigJSON))
	require.Empty(tb, ps, "test config: %v", ps)
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

// testServer is one instance mounted the way the server mounts it, served
// in process.
type testServer struct {
	tb      testing.TB
	p       *Provider
	clk     *clock.Controlled
	backend *memory.Backend
	router  *mux.Router
}

func newTestServer(tb testing.TB, mutate func(*Config)) *testServer {
	tb.Helper()
	return newTestServerWithLogger(tb, mutate, slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
}

func newTestServerWithLogger(tb testing.TB, mutate func(*Config), logger *slog.Logger) *testServer {
	tb.Helper()
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk)
	tb.Cleanup(func() { _ = backend.Close() })
	p, err := New(provider.Deps{
		Name: "fastapi", Issuer: "http://authmock.test" + pathPrefix, Clock: clk,
		Store: backend.Namespace("fastapi"), Logger: logger, Rand: rand.Reader, MaxBody: testMaxBody,
	}, testConfig(tb, mutate))
	require.NoError(tb, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	return &testServer{tb: tb, p: p, clk: clk, backend: backend, router: root}
}

// response is a served response.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal([]byte(r.body), &m), "body: %s", r.body)
	return m
}

func (ts *testServer) do(req *http.Request) response {
	ts.tb.Helper()
	rec := httptest.NewRecorder()
	ts.router.ServeHTTP(rec, req)
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(ts.tb, err)
	return response{status: rec.Code, header: rec.Result().Header, body: string(body)}
}

// request builds a request to path with a body of contentType (none when
// empty) and headers.
func request(method, path, contentType, body string, headers map[string]string) *http.Request {
	req := httptest.NewRequest(method, pathPrefix+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

const formType = "application/x-www-form-urlencoded"

func (ts *testServer) postForm(path string, form url.Values, headers map[string]string) response {
	ts.tb.Helper()
	return ts.do(request(http.MethodPost, path, formType, form.Encode(), headers))
}

func (ts *testServer) loginResp(username, password string) response {
	ts.tb.Helper()
	return ts.postForm(PathLogin, url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}}, nil)
}

// tokens is a decoded login or refresh answer.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ClientID     string `json:"client_id"`
}

func (ts *testServer) tokens(resp response) tokens {
	ts.tb.Helper()
	require.Equal(ts.tb, http.StatusOK, resp.status, "body: %s", resp.body)
	var tok tokens
	require.NoError(ts.tb, json.Unmarshal([]byte(resp.body), &tok))
	require.NotEmpty(ts.tb, tok.AccessToken)
	require.NotEmpty(ts.tb, tok.RefreshToken)
	return tok
}

func (ts *testServer) login(username, password string) tokens {
	ts.tb.Helper()
	return ts.tokens(ts.loginResp(username, password))
}

func (ts *testServer) refreshResp(refresh string) response {
	ts.tb.Helper()
	return ts.do(request(http.MethodPost, PathRefresh, "", "", map[string]string{"refresh-token": refresh}))
}

func (ts *testServer) me(access string) response {
	ts.tb.Helper()
	return ts.do(request(http.MethodGet, PathMe, "", "", map[string]string{"Authorization": "Bearer " + access}))
}

func (ts *testServer) postmanResp(clientID, refresh string) response {
	ts.tb.Helper()
	return ts.postForm(PathPostmanRefresh, url.Values{"refresh_token": {refresh}, "grant_type": {"refresh_token"}},
		map[string]string{"Authorization": basic(clientID + ":")})
}

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

// decodeJWT decodes a JWT's header and claims without verifying it.
func decodeJWT(tb testing.TB, token string) (header, claims map[string]any) {
	tb.Helper()
	parts := strings.Split(token, ".")
	require.Len(tb, parts, 3, "not a JWS compact serialisation: %q", token)
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(tb, err)
		require.NoError(tb, json.Unmarshal(raw, dst))
	}
	return header, claims
}

// Expected bodies.
const (
	bodyBadCredentials = `{"detail":"LOGIN_BAD_CREDENTIALS"}`
	bodyUnauthorized   = `{"detail":"Unauthorized"}`
	bodyRefreshExpired = `{"detail":"Refresh token expired; Please login again"}`
	bodyInvalidRefresh = `{"detail":"Invalid Refresh token"}`
	bodyInvalidAccess  = `{"detail":"Invalid Access token"}`
)
