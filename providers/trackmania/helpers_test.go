package trackmania

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

const (
	webID         = "web"
	webSecret     = "web-secret-7Hq2Lx"
	webRedirect   = "https://app.example.com/cb"
	webRedirect2  = "https://app.example.com/cb2?tenant=acme"
	svcID         = "svc"
	svcSecret     = "svc-secret-4Mz8Pr"
	limitedID     = "limited"
	limitedSecret = "limited-secret-2Kp9"
	limitedRedir  = "https://limited.example.com/cb"
	aliceID       = "5b4d42f4-c2de-407d-b367-cbff3fe817bc"
	bobID         = "8b7e2d14-51c0-4e2a-8f6b-9c3d1a7e5b02"
	carolID       = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
	alicePassword = "alice-password-Qw1"
	bobPassword   = "bob-password-Er2"
	testMaxBody   = 1 << 16
	pathPrefix    = "/trackmania"
)

// testConfigJSON is the configuration every test server starts from:
//   - web: two redirect URIs (one with a query), default user alice;
//   - svc: client_credentials only;
//   - limited: may ask for clubs only, default user bob.
const testConfigJSON = `{
  "clients": [
    {"id": "web", "secret": "web-secret-7Hq2Lx", "name": "Web App",
     "redirect_uris": ["https://app.example.com/cb", "https://app.example.com/cb2?tenant=acme"],
     "default_user": "alice"},
    {"id": "svc", "secret": "svc-secret-4Mz8Pr", "grant_types": ["client_credentials"]},
    {"id": "limited", "secret": "limited-secret-2Kp9", "redirect_uris": ["https://limited.example.com/cb"],
     "scopes": ["clubs"], "default_user": "bob"}
  ],
  "users": [
    {"username": "alice", "password": "alice-password-Qw1", "subject": "5b4d42f4-c2de-407d-b367-cbff3fe817bc",
     "claims": {"display_name": "AliceTM"}},
    {"username": "bob", "password": "bob-password-Er2", "subject": "8b7e2d14-51c0-4e2a-8f6b-9c3d1a7e5b02"},
    {"username": "carol", "password": "carol-password-Ty3", "subject": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "disabled": true}
  ],
  "clubs": [
    {"id": 12730, "name": "Alice Racing", "admins": ["alice"]},
    {"id": 42, "name": "Shared Club", "admins": ["alice", "bob"]}
  ],
  "maps": [
    {"uid": "m1", "name": "Map One", "author": "5b4d42f4-c2de-407d-b367-cbff3fe817bc", "thumbnailUrl": "https://maps.example.com/m1.jpg"},
    {"uid": "m2", "name": "Map Two", "author": "8b7e2d14-51c0-4e2a-8f6b-9c3d1a7e5b02", "thumbnailUrl": "https://maps.example.com/m2.jpg"},
    {"uid": "m3", "name": "Map Three", "author": "5b4d42f4-c2de-407d-b367-cbff3fe817bc", "thumbnailUrl": "https://maps.example.com/m3.jpg"}
  ],
  "favorites": {"alice": ["m1", "m2"]}
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

// newInstance builds a provider and mounts it the way the server does.
func newInstance(tb testing.TB, issuer string, cfg Config, logger *slog.Logger) (*Provider, *clock.Controlled, *memory.Backend, *mux.Router) {
	tb.Helper()
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk)
	tb.Cleanup(func() { _ = backend.Close() })
	p, err := New(provider.Deps{
		Name: "trackmania", Issuer: issuer, Clock: clk, Store: backend.Namespace("trackmania"),
		Logger: logger, Rand: rand.Reader, MaxBody: testMaxBody,
	}, cfg)
	require.NoError(tb, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	return p, clk, backend, root
}

// testServer is one instance behind an httptest server.
type testServer struct {
	tb      testing.TB
	p       *Provider
	clk     *clock.Controlled
	backend *memory.Backend
	srv     *httptest.Server
	client  *http.Client // does not follow redirects
	issuer  string
}

func newTestServer(tb testing.TB, mutate func(*Config)) *testServer {
	tb.Helper()
	return newTestServerWithLogger(tb, mutate, slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
}

func newTestServerWithLogger(tb testing.TB, mutate func(*Config), logger *slog.Logger) *testServer {
	tb.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	issuer := "http://" + srv.Listener.Addr().String() + pathPrefix
	p, clk, backend, root := newInstance(tb, issuer, testConfig(tb, mutate), logger)
	srv.Config.Handler = root
	srv.Start()
	tb.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &testServer{tb: tb, p: p, clk: clk, backend: backend, srv: srv, client: client, issuer: issuer}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return string(r.body) }

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

// request sends method path?rawQuery with an optional bearer token and
// body.
func (ts *testServer) request(method, path, rawQuery, bearer, contentType, body string) response {
	ts.tb.Helper()
	u := ts.url(path)
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(ts.tb, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return ts.do(req)
}

func (ts *testServer) api(path, rawQuery, bearer string) response {
	ts.tb.Helper()
	return ts.request(http.MethodGet, path, rawQuery, bearer, "", "")
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// token posts form to the token endpoint; the client credentials go in
// the body, as every Trackmania client sends them.
func (ts *testServer) token(form url.Values) response {
	ts.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url(PathToken), strings.NewReader(form.Encode()))
	require.NoError(ts.tb, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ts.do(req)
}

func webAuthParams() url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {webID}, "redirect_uri": {webRedirect},
		"scope": {"clubs read_favorite write_favorite"}, "state": {"st-123"},
	}
}

// merge returns base with over applied (an empty value deletes).
func merge(base, over url.Values) url.Values {
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

func (ts *testServer) authorizeResp(params url.Values) response {
	ts.tb.Helper()
	return ts.request(http.MethodGet, PathAuthorize, params.Encode(), "", "", "")
}

// authorize sends an authorization request that must redirect.
func (ts *testServer) authorize(params url.Values) *url.URL {
	ts.tb.Helper()
	resp := ts.authorizeResp(params)
	require.Equal(ts.tb, http.StatusFound, resp.status, "authorize: %s", resp.body)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(ts.tb, err)
	return loc
}

// code runs webAuthParams (with over applied) and returns the code.
func (ts *testServer) code(over url.Values) string {
	ts.tb.Helper()
	loc := ts.authorize(merge(webAuthParams(), over))
	require.Empty(ts.tb, loc.Query().Get("error"), "authorize error: %s", loc)
	code := loc.Query().Get("code")
	require.NotEmpty(ts.tb, code, "no code in %s", loc)
	return code
}

// redeem exchanges a web client code.
func (ts *testServer) redeem(code string, over url.Values) response {
	ts.tb.Helper()
	return ts.token(merge(url.Values{
		"grant_type": {"authorization_code"}, "client_id": {webID}, "client_secret": {webSecret},
		"code": {code}, "redirect_uri": {webRedirect},
	}, over))
}

func (ts *testServer) refresh(rt string) response {
	ts.tb.Helper()
	return ts.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {webSecret}, "refresh_token": {rt}})
}

type tokenSet struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// tokens requires a success and decodes it, checking the body has exactly
// the documented members.
func (ts *testServer) tokens(resp response, withRefresh bool) tokenSet {
	ts.tb.Helper()
	require.Equal(ts.tb, http.StatusOK, resp.status, "token response: %s", resp.body)
	members := []string{"token_type", "expires_in", "access_token"}
	if withRefresh {
		members = append(members, "refresh_token")
	}
	got := resp.json(ts.tb)
	require.Len(ts.tb, got, len(members), "body: %s", resp.body)
	for _, m := range members {
		require.Contains(ts.tb, got, m)
	}
	var tok tokenSet
	require.NoError(ts.tb, json.Unmarshal(resp.body, &tok))
	require.Equal(ts.tb, "bearer", tok.TokenType)
	return tok
}

// codeFlow runs the web client's flow and returns its tokens.
func (ts *testServer) codeFlow(over url.Values) tokenSet {
	ts.tb.Helper()
	return ts.tokens(ts.redeem(ts.code(over), nil), true)
}

func (ts *testServer) clientToken() tokenSet {
	ts.tb.Helper()
	return ts.tokens(ts.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {svcID}, "client_secret": {svcSecret}}), false)
}

// errJSON is an RFC 6749 §5.2 error body.
// leagueJSON is the token endpoint's error body: league's error,
// error_description and message (the same text) and hint (left out when
// empty).
func leagueJSON(code, desc, hint string) string {
	m := map[string]string{"error": code, "error_description": desc, "message": desc}
	if hint != "" {
		m["hint"] = hint
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func errJSON(code, desc string) string {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return string(b)
}

// The token endpoint's error bodies, with league 8's texts written out
// here rather than taken from the code under test.
const (
	tmInvalidRequestText = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	tmRefreshText        = "The refresh token is invalid."
	tmScopeText          = "The requested scope is invalid, unknown, or malformed"
	tmGrantText          = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
)

var (
	tmClientFailed     = `{"error":"invalid_client","error_description":"Client authentication failed","message":"Client authentication failed"}`
	tmUnsupportedGrant = `{"error":"unsupported_grant_type","error_description":"The authorization grant type is not supported by the authorization server.","hint":"Check the ` + "`grant_type`" + ` parameter","message":"The authorization grant type is not supported by the authorization server."}`
)

// tmRequest is league's invalidRequest with hint: 400.
func tmRequest(hint string) string { return leagueJSON("invalid_request", tmInvalidRequestText, hint) }

// tmRefresh is league 8's invalidRefreshToken with hint: 401.
func tmRefresh(hint string) string { return leagueJSON("invalid_request", tmRefreshText, hint) }

// tmScope is league's invalidScope with hint: 400.
func tmScope(hint string) string { return leagueJSON("invalid_scope", tmScopeText, hint) }

// tmGrant is league's invalidGrant with hint: 400.
func tmGrant(hint string) string { return leagueJSON("invalid_grant", tmGrantText, hint) }
