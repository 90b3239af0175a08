package dotypos

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/jwtutil"
)

// t0 is the instant every test server's clock is frozen at.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// Test fixtures. Secrets are distinctive so the leak test can look for them.
const (
	posID        = "pos-sync"
	posSecret    = "pos-secret-Zk41Qa"
	posName      = "POS <Sync> & Co"
	posRedirect  = "https://pos.example.com/dotypos/callback"
	posRedirect2 = "https://pos.example.com/cb?tenant=acme"
	otherID      = "other-app"
	otherSecret  = "other-secret-Lp09Xe"
	otherRedir   = "https://other.example.com/cb"
	cloudBistro  = int64(123456789)
	cloudCafe    = int64(987654321)
	cloudBakery  = int64(2147483647)
	cloudBob     = int64(555)
	aliceSubject = "alice-0001"
	testMaxBody  = 1 << 16
	pathPrefix   = "/dotypos"
)

// testConfigJSON: alice has three clouds (Bistro first), bob one, carol
// none and dave is disabled; pos-sync connects as alice, other-app as bob.
const testConfigJSON = `{
  "keys": [{"builtin": "demo-rs256"}],
  "clients": [
    {"id": "pos-sync", "secret": "pos-secret-Zk41Qa", "name": "POS <Sync> & Co",
     "redirect_uris": ["https://pos.example.com/dotypos/callback", "https://pos.example.com/cb?tenant=acme"],
     "default_user": "alice"},
    {"id": "other-app", "secret": "other-secret-Lp09Xe", "redirect_uris": ["https://other.example.com/cb"], "default_user": "bob"},
    {"id": "carol-app", "secret": "carol-secret", "redirect_uris": ["https://carol.example.com/cb"], "default_user": "carol"},
    {"id": "dave-app", "secret": "dave-secret", "redirect_uris": ["https://dave.example.com/cb"], "default_user": "dave"}
  ],
  "users": [
    {"username": "alice", "password": "alice-pw", "subject": "alice-0001"},
    {"username": "bob", "password": "bob-pw"},
    {"username": "carol", "password": "carol-pw"},
    {"username": "dave", "password": "dave-pw", "disabled": true}
  ],
  "clouds": [
    {"id": 123456789, "name": "Bistro Praha", "_companyId": 4242, "country": "CZ", "segment": "HORECA", "1ClickId": 77},
    {"id": 987654321, "name": "Café Brno", "country": "CZ", "restricted": true},
    {"id": 2147483647, "name": "Bakery Ostrava", "expired": true},
    {"id": 555, "name": "Bob's Shop", "deleted": true}
  ],
  "user_clouds": {"alice": [123456789, 987654321, 2147483647], "bob": [555]}
}`

type testServer struct {
	tb      testing.TB
	p       *Provider
	clk     *clock.Controlled
	backend *memory.Backend
	router  *mux.Router
	srv     *httptest.Server
	client  *http.Client // does not follow redirects
	issuer  string
}

func testConfig(tb testing.TB, mutate func(*Config)) Config {
	tb.Helper()
	cfg, ps := parseConfig(json.RawMessage(testConfigJSON))
	require.Empty(tb, ps, "test config: %v", ps)
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

func newInstance(tb testing.TB, issuer string, cfg Config, logger *slog.Logger) (*Provider, *clock.Controlled, *memory.Backend, *mux.Router) {
	tb.Helper()
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk)
	tb.Cleanup(func() { _ = backend.Close() })
	p, err := New(provider.Deps{
		Name: "dotypos", Issuer: issuer, Clock: clk, Store: backend.Namespace("dotypos"),
		Logger: logger, Rand: rand.Reader, MaxBody: testMaxBody,
	}, cfg)
	require.NoError(tb, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	return p, clk, backend, root
}

func newTestServer(tb testing.TB, mutate func(*Config)) *testServer {
	tb.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	issuer := "http://" + srv.Listener.Addr().String() + pathPrefix
	cfg := testConfig(tb, mutate)
	logger := slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, clk, backend, root := newInstance(tb, issuer, cfg, logger)
	srv.Config.Handler = root
	srv.Start()
	tb.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &testServer{tb: tb, p: p, clk: clk, backend: backend, router: root, srv: srv, client: client, issuer: issuer}
}

type response struct {
	status int
	header http.Header
	body   []byte
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

// request builds a request; header pairs are name, value, ...
func (ts *testServer) request(method, path string, body io.Reader, header ...string) response {
	ts.tb.Helper()
	req, err := http.NewRequest(method, ts.url(path), body)
	require.NoError(ts.tb, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return ts.do(req)
}

func (ts *testServer) connect(q url.Values) response {
	ts.tb.Helper()
	return ts.request(http.MethodGet, PathConnect+"?"+q.Encode(), nil)
}

func (ts *testServer) connectV2(path string, form url.Values) response {
	ts.tb.Helper()
	return ts.request(http.MethodPost, path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// signin posts body as JSON with "Authorization: User <token>".
func (ts *testServer) signin(refresh, body string) response {
	ts.tb.Helper()
	return ts.request(http.MethodPost, PathSignin, strings.NewReader(body), "Authorization", "User "+refresh, "Content-Type", "application/json; charset=UTF-8")
}

func (ts *testServer) get(path, accessToken string, header ...string) response {
	ts.tb.Helper()
	return ts.request(http.MethodGet, path, nil, append([]string{"Authorization", "Bearer " + accessToken}, header...)...)
}

// legacyQuery is a valid legacy connector query for pos-sync.
func legacyQuery(state string) url.Values {
	q := url.Values{"client_id": {posID}, "client_secret": {posSecret}, "scope": {"*"}, "redirect_uri": {posRedirect}}
	if state != "" {
		q.Set("state", state)
	}
	return q
}

// v2Form is a valid connector v2 form for pos-sync signed at ts.
func v2Form(ts int64, state string) url.Values {
	stamp := time.Unix(ts, 0).UTC().Unix()
	f := url.Values{"client_id": {posID}, "timestamp": {itoa(stamp)}, "scope": {"*"}, "redirect_uri": {posRedirect}}
	f.Set("signature", Sign(posSecret, itoa(stamp)))
	if state != "" {
		f.Set("state", state)
	}
	return f
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// connectToken runs the non-interactive legacy connector and returns the
// refresh token and cloud id from the redirect.
func (ts *testServer) connectToken(q url.Values) (string, string) {
	ts.tb.Helper()
	res := ts.connect(q)
	require.Equal(ts.tb, http.StatusFound, res.status, "%s", res.body)
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(ts.tb, err)
	return loc.Query().Get("token"), loc.Query().Get("cloudid")
}

// accessToken connects pos-sync and signs in with body.
func (ts *testServer) accessToken(body string) (refresh, access string) {
	ts.tb.Helper()
	refresh, _ = ts.connectToken(legacyQuery(""))
	res := ts.signin(refresh, body)
	require.Equal(ts.tb, http.StatusCreated, res.status, "%s", res.body)
	var out map[string]string
	require.NoError(ts.tb, json.Unmarshal(res.body, &out))
	return refresh, out["accessToken"]
}

// claimsOf verifies an access token with the instance's keys.
func (ts *testServer) claimsOf(token string) jwt.MapClaims {
	ts.tb.Helper()
	claims := jwt.MapClaims{}
	_, err := ts.p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: ts.clk.Now, Issuer: ts.issuer, Type: "JWT"})
	require.NoError(ts.tb, err)
	return claims
}

// errorJSON is the exact error body the API writes at instant at: the
// real API's error object, written out here member by member so that the
// test does not share the renderer's struct.
func errorJSON(at time.Time, status int, reason, message string, vs ...Violation) string {
	body := map[string]any{
		"timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"status":    status,
		"error":     http.StatusText(status),
		"reason":    reason,
		"message":   message,
	}
	if len(vs) > 0 {
		list := make([]map[string]string, len(vs))
		for i, v := range vs {
			list[i] = map[string]string{"fieldName": v.FieldName, "message": v.Message}
		}
		body["violations"] = list
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// errBody is the exact error body the instance writes now.
func (ts *testServer) errBody(status int, reason, message string, vs ...Violation) string {
	return errorJSON(ts.clk.Now(), status, reason, message, vs...)
}

// Messages of the API's errors that several tests expect.
const (
	msgBearerHeader   = `the Authorization header must be "Bearer <access token>"`
	msgUserHeader     = `the Authorization header must be "User <refresh token>"`
	msgInvalidAccess  = "the access token is invalid"
	msgAccessExpired  = "the access token expired"
	msgAdminExpired   = "the access token was expired by the admin API"
	msgAccessRevoked  = "the access token has been revoked"
	msgUnknownRefresh = "unknown, expired or revoked refresh token"
	msgRefreshRevoked = "the refresh token was revoked"
	msgRefreshExpired = "the refresh token was expired"
	msgNotThisCloud   = "the access token is not for this cloud"
	msgCloudDeleted   = "the access token's cloud has been deleted"
	msgCloudNotGrant  = "the refresh token does not grant this cloud"
	msgNotJSON        = "the body must be JSON (Content-Type: application/json)"
	msgInvalidQuery   = "invalid query parameters"
)

// violationNotJSON is the violation of a body that is not JSON.
var violationNotJSON = Violation{FieldName: "Content-Type", Message: "must be application/json"}

func durationOf(d time.Duration) fixtures.Duration { return fixtures.Duration(d) }
