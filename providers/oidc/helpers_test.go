package oidc

import (
	"crypto/rand"
	"crypto/sha256"
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

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/jwtutil"
)

// t0 is the instant every test server's clock is frozen at.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// Test fixtures. Secrets and passwords are distinctive so the leak test can
// search bodies for them.
const (
	webID          = "web"
	webSecret      = "web-secret-7Hq2Lx"
	webRedirect    = "https://app.example.com/cb"
	webRedirect2   = "https://app.example.com/cb2?tenant=acme"
	webPostLogout  = "https://app.example.com/logged-out"
	partnerID      = "partner"
	partnerSecret  = "partner-secret-9Vw3Kd"
	partnerRedir   = "https://partner.example.com/cb"
	spaID          = "spa"
	spaRedirect    = "http://localhost:5173/callback"
	spaPostLogout  = "http://localhost:5173/"
	serviceID      = "service"
	serviceSecret  = "service-secret-4Mz8Pr"
	serviceRedir   = "https://service.example.com/cb"
	aliceSubject   = "a1b2c3-alice"
	alicePassword  = "alice-password-Qw1"
	bobPassword    = "bob-password-Er2"
	carolPassword  = "carol-password-Ty3"
	demoRS256KID   = "7KFPtzrBSZGn6lHtax5SP2IAO3n26NGztQmZ4XjPWZ0"
	testMaxBody    = 1 << 20
	pathPrefix     = "/oidc"
	webScopes      = "openid profile email"
	testStateValue = "st-123"
	testNonceValue = "n-456"
)

// testConfigJSON is the configuration every test server starts from:
//   - web: confidential, two redirect URIs (one with a query), a post-logout
//     URI, default user alice, no client_credentials;
//   - partner: another confidential client with every grant;
//   - spa: public, one redirect URI;
//   - service: client_credentials only, with its own scopes.
const testConfigJSON = `{
  "keys": [{"builtin": "demo-rs256"}],
  "scopes": ["api:read", "api:write"],
  "clients": [
    {"id": "web", "secret": "web-secret-7Hq2Lx", "name": "Web App",
     "redirect_uris": ["https://app.example.com/cb", "https://app.example.com/cb2?tenant=acme"],
     "post_logout_redirect_uris": ["https://app.example.com/logged-out"],
     "grant_types": ["authorization_code", "refresh_token", "password"],
     "default_user": "alice"},
    {"id": "partner", "secret": "partner-secret-9Vw3Kd", "name": "Partner",
     "redirect_uris": ["https://partner.example.com/cb"], "default_user": "bob"},
    {"id": "spa", "public": true, "name": "Single Page App",
     "redirect_uris": ["http://localhost:5173/callback"],
     "post_logout_redirect_uris": ["http://localhost:5173/"],
     "default_user": "alice"},
    {"id": "service", "secret": "service-secret-4Mz8Pr", "name": "Service",
     "redirect_uris": ["https://service.example.com/cb"],
     "grant_types": ["client_credentials"], "scopes": ["api:read", "api:write"]}
  ],
  "users": [
    {"username": "alice", "password": "alice-password-Qw1", "subject": "a1b2c3-alice",
     "claims": {"name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell",
                "email": "alice@example.com", "email_verified": true,
                "phone_number": "+1 555 0100", "groups": ["admins", "staff"]}},
    {"username": "bob", "password": "bob-password-Er2",
     "claims": {"name": "Bob Builder", "email": "bob@example.com", "email_verified": false}},
    {"username": "carol", "password": "carol-password-Ty3", "disabled": true}
  ]
}`

// testServer is one oidc instance behind a real HTTP server.
type testServer struct {
	tb      testing.TB
	p       *Provider
	cfg     Config
	clk     *clock.Controlled
	backend *memory.Backend
	router  *mux.Router // root router; the instance is mounted under /oidc
	srv     *httptest.Server
	client  *http.Client // does not follow redirects
	issuer  string
}

// testConfig parses testConfigJSON and applies mutate.
func testConfig(tb testing.TB, mutate func(*Config)) Config {
	tb.Helper()
	cfg, ps := parseConfig(json.RawMessage(testConfigJSON))
	require.Empty(tb, ps, "test config: %v", ps)
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

// newInstance builds a provider for issuer and mounts it the way the server
// does: a root router with SkipClean and UseEncodedPath, and a subrouter at
// the instance prefix.
func newInstance(tb testing.TB, issuer string, cfg Config, logger *slog.Logger, opts ...memory.Option) (*Provider, *clock.Controlled, *memory.Backend, *mux.Router) {
	tb.Helper()
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk, opts...)
	tb.Cleanup(func() { _ = backend.Close() })
	st := backend.Namespace("oidc")
	p, err := New(provider.Deps{
		Name:    "oidc",
		Issuer:  issuer,
		Clock:   clk,
		Store:   st,
		Logger:  logger,
		Rand:    rand.Reader,
		MaxBody: testMaxBody,
	}, cfg)
	require.NoError(tb, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	return p, clk, backend, root
}

// newTestServer starts an instance on an httptest server. The listener is
// created before the handler is built so that the issuer (which the
// provider bakes into its metadata) is the server's real URL.
func newTestServer(tb testing.TB, mutate func(*Config)) *testServer {
	tb.Helper()
	return newTestServerWithLogger(tb, mutate, slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
}

func newTestServerWithLogger(tb testing.TB, mutate func(*Config), logger *slog.Logger, opts ...memory.Option) *testServer {
	tb.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	issuer := "http://" + srv.Listener.Addr().String() + pathPrefix
	cfg := testConfig(tb, mutate)
	p, clk, backend, root := newInstance(tb, issuer, cfg, logger, opts...)
	srv.Config.Handler = root
	srv.Start()
	tb.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &testServer{tb: tb, p: p, cfg: cfg, clk: clk, backend: backend, router: root, srv: srv, client: client, issuer: issuer}
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return string(r.body) }

// json decodes the body as a JSON object.
func (r response) json(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (ts *testServer) url(path string) string { return ts.issuer + path }

func (ts *testServer) do(req *http.Request) response {
	ts.tb.Helper()
	resp, err := ts.client.Do(req)
	require.NoError(ts.tb, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(ts.tb, err)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func (ts *testServer) get(path string, query url.Values) response {
	ts.tb.Helper()
	u := ts.url(path)
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(ts.tb, err)
	return ts.do(req)
}

// basicAuth encodes client credentials as RFC 6749 §2.3.1 asks: each part
// form-urlencoded, then Basic.
func basicAuth(id, secret string) string {
	raw := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(raw))
}

// postForm posts form to path, with HTTP Basic client authentication when
// basicUser is not empty.
func (ts *testServer) postForm(path string, form url.Values, basicUser, basicPass string) response {
	ts.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url(path), strings.NewReader(form.Encode()))
	require.NoError(ts.tb, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.Header.Set("Authorization", basicAuth(basicUser, basicPass))
	}
	return ts.do(req)
}

// authorizeResp sends a GET authorization request.
func (ts *testServer) authorizeResp(params url.Values) response {
	ts.tb.Helper()
	return ts.get(PathAuthorize, params)
}

// authorize sends a GET authorization request that must redirect and
// returns the Location.
func (ts *testServer) authorize(params url.Values) *url.URL {
	ts.tb.Helper()
	resp := ts.authorizeResp(params)
	require.Equal(ts.tb, http.StatusFound, resp.status, "authorize: %s", resp.body)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(ts.tb, err)
	return loc
}

// webAuthParams is a valid authorization request of the web client.
func webAuthParams() url.Values {
	return url.Values{
		"response_type": {"code"},
		"client_id":     {webID},
		"redirect_uri":  {webRedirect},
		"scope":         {webScopes},
		"state":         {testStateValue},
		"nonce":         {testNonceValue},
	}
}

// merge returns base with every value of over set (an empty value deletes).
func merge(base url.Values, over url.Values) url.Values {
	out := url.Values{}
	for k, v := range base {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range over {
		if len(v) == 1 && v[0] == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// code runs an authorization request (webAuthParams with over applied) and
// returns the code.
func (ts *testServer) code(over url.Values) string {
	ts.tb.Helper()
	loc := ts.authorize(merge(webAuthParams(), over))
	require.Empty(ts.tb, loc.Query().Get("error"), "authorize error: %s", loc)
	code := loc.Query().Get("code")
	require.NotEmpty(ts.tb, code, "no code in %s", loc)
	return code
}

// redeem exchanges a web client code (with extra form values) using Basic.
func (ts *testServer) redeem(code string, extra url.Values) response {
	ts.tb.Helper()
	form := merge(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}}, extra)
	return ts.postForm(PathToken, form, webID, webSecret)
}

// tokenSet is a decoded token response.
type tokenSet struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	Scope        string `json:"scope"`
}

func (ts *testServer) tokens(resp response) tokenSet {
	ts.tb.Helper()
	require.Equal(ts.tb, http.StatusOK, resp.status, "token response: %s", resp.body)
	var tok tokenSet
	require.NoError(ts.tb, json.Unmarshal(resp.body, &tok))
	require.NotEmpty(ts.tb, tok.AccessToken)
	return tok
}

// codeFlow runs the web client's authorization code flow (with over applied
// to the authorization request) and returns the tokens.
func (ts *testServer) codeFlow(over url.Values) tokenSet {
	ts.tb.Helper()
	return ts.tokens(ts.redeem(ts.code(over), nil))
}

// passwordTokens runs the password grant for the web client.
func (ts *testServer) passwordTokens(username, password, scope string) tokenSet {
	ts.tb.Helper()
	return ts.tokens(ts.postForm(PathToken, url.Values{
		"grant_type": {"password"}, "username": {username}, "password": {password}, "scope": {scope},
	}, webID, webSecret))
}

// refresh presents a refresh token as the web client.
func (ts *testServer) refresh(rt string, extra url.Values) response {
	ts.tb.Helper()
	return ts.postForm(PathToken, merge(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, extra), webID, webSecret)
}

// userinfo calls userinfo with a bearer header.
func (ts *testServer) userinfo(accessToken string) response {
	ts.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.url(PathUserinfo), nil)
	require.NoError(ts.tb, err)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return ts.do(req)
}

// introspect introspects as the web client.
func (ts *testServer) introspect(token, hint string) response {
	ts.tb.Helper()
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	return ts.postForm(PathIntrospect, form, webID, webSecret)
}

// requireActive asserts whether a token introspects as active.
func (ts *testServer) assertActive(token string, want bool) {
	ts.tb.Helper()
	resp := ts.introspect(token, "")
	require.Equal(ts.tb, http.StatusOK, resp.status, "%s", resp.body)
	if want {
		assert.Equal(ts.tb, true, resp.json(ts.tb)["active"], "%s", resp.body)
	} else {
		assert.JSONEq(ts.tb, `{"active":false}`, resp.String())
	}
}

// assertTokenDead checks that an access token is rejected by userinfo and
// introspection.
func (ts *testServer) assertAccessDead(at string) {
	ts.tb.Helper()
	resp := ts.userinfo(at)
	assert.Equal(ts.tb, http.StatusUnauthorized, resp.status, "userinfo: %s", resp.body)
	ts.assertActive(at, false)
}

// assertRefreshDead checks that a refresh token is refused.
func (ts *testServer) assertRefreshDead(rt string) {
	ts.tb.Helper()
	resp := ts.refresh(rt, nil)
	assert.Equal(ts.tb, http.StatusBadRequest, resp.status)
	assert.Equal(ts.tb, "invalid_grant", resp.json(ts.tb)["error"], "%s", resp.body)
}

// jwtParts decodes a JWT's header and claims without verifying it.
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

// verifyJWT checks a token's signature against the JWKS the server
// publishes (not the provider's own key set) and returns its claims.
func (ts *testServer) verifyJWT(token string) map[string]any {
	ts.tb.Helper()
	set := ts.publishedKeys()
	claims := jwt.MapClaims{}
	_, err := set.Verify(token, claims, jwtutil.VerifyOptions{Now: ts.clk.Now, Issuer: ts.issuer, AllowMissingExp: true})
	require.NoError(ts.tb, err)
	return claims
}

// publishedKeys fetches the JWKS and builds a verify-only key set from it.
func (ts *testServer) publishedKeys() *jwtutil.KeySet {
	ts.tb.Helper()
	resp := ts.get(PathJWKS, nil)
	require.Equal(ts.tb, http.StatusOK, resp.status)
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	require.NoError(ts.tb, json.Unmarshal(resp.body, &doc))
	require.NotEmpty(ts.tb, doc.Keys)
	keys := make([]*jwtutil.Key, 0, len(doc.Keys))
	for _, raw := range doc.Keys {
		k, err := jwtutil.ParseJWK(raw)
		require.NoError(ts.tb, err)
		keys = append(keys, k)
	}
	// NewKeySet wants a signing key first; a throwaway one that no token
	// names by kid serves, and verification still looks keys up by kid.
	signer, err := jwtutil.GenerateKey(jwtutil.ES256)
	require.NoError(ts.tb, err)
	set, err := jwtutil.NewKeySet(signer.WithKID("test-unused-signer"), keys...)
	require.NoError(ts.tb, err)
	return set
}

// atHash is the OIDC Core §3.1.3.6 at_hash for RS256.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// errJSON is an RFC 6749 §5.2 error body.
func errJSON(code, desc string) string {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return string(b)
}

// redirectQuery asserts that loc goes to base (scheme, host and path, plus
// the registered query) and returns its query.
func assertRedirectTo(tb testing.TB, loc *url.URL, registered string) url.Values {
	tb.Helper()
	reg, err := url.Parse(registered)
	require.NoError(tb, err)
	assert.Equal(tb, reg.Scheme, loc.Scheme)
	assert.Equal(tb, reg.Host, loc.Host)
	assert.Equal(tb, reg.Path, loc.Path)
	assert.Empty(tb, loc.Fragment)
	q := loc.Query()
	for k, v := range reg.Query() {
		assert.Equal(tb, v, q[k], "registered query parameter %q", k)
		delete(q, k)
	}
	return q
}

// unix is t0 plus d, in seconds, as JSON numbers decode.
func unix(d time.Duration) float64 { return float64(t0.Add(d).Unix()) }
