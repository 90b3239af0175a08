package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
)

func TestFactoryParseConfig(t *testing.T) {
	t.Parallel()
	f := Factory()
	assert.Equal(t, "oidc", f.Dialect())

	t.Run("defaults", func(t *testing.T) {
		cfg, ps := f.ParseConfig(nil)
		require.Empty(t, ps)
		c, ok := cfg.(*Config)
		require.True(t, ok)
		assert.Equal(t, []fixtures.KeySpec{{Builtin: "demo-rs256"}}, c.Keys)
		assert.Equal(t, time.Hour, c.AccessTokenTTL.D())
		assert.Equal(t, 30*24*time.Hour, c.RefreshTokenTTL.D())
		assert.Equal(t, time.Hour, c.IDTokenTTL.D())
		assert.Equal(t, 10*time.Minute, c.CodeTTL.D())
		assert.Equal(t, 10*time.Minute, c.DeviceCodeTTL.D())
		assert.Equal(t, 5*time.Second, c.DevicePollInterval.D())
		assert.Equal(t, []string{"authorization_code", "refresh_token", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, c.GrantTypes)
		assert.True(t, c.AllowPlainPKCE)
		assert.False(t, c.Interactive)
	})

	tests := []struct {
		name string
		raw  string
		want fixtures.Problems
	}{
		{"no keys", `{"keys":[]}`, fixtures.Problems{{Path: "keys", Message: "at least one key is required (the first one signs)"}}},
		{"unknown builtin key", `{"keys":[{"builtin":"demo-rs512"}]}`, fixtures.Problems{{Path: "keys[0].builtin", Message: "no builtin key \"demo-rs512\" (have demo-eddsa, demo-es256, demo-hs256, demo-rs256)"}}},
		{"unknown key", `{"bogus":1}`, fixtures.Problems{{Path: "bogus", Message: "unknown key"}}},
		{
			"unsupported grant type", `{"grant_types":["implicit"]}`,
			fixtures.Problems{{Path: "grant_types[0]", Message: `unsupported grant type "implicit" (have [authorization_code refresh_token client_credentials password urn:ietf:params:oauth:grant-type:device_code urn:ietf:params:oauth:grant-type:token-exchange urn:ietf:params:oauth:grant-type:jwt-bearer])`}},
		},
		{
			"client grant and scope problems",
			`{"grant_types":["authorization_code"],"clients":[{"id":"a","secret":"s","grant_types":["password"],"scopes":["ok","bad\""]}]}`,
			fixtures.Problems{
				{Path: "clients[0].grant_types[0]", Message: `grant type "password" is not enabled on this instance`},
				{Path: "clients[0].scopes[1]", Message: `invalid scope token "bad\""`},
			},
		},
		{"instance scope", `{"scopes":["a b"]}`, fixtures.Problems{{Path: "scopes[0]", Message: `invalid scope token "a b"`}}},
		{
			"instance lifetimes", `{"access_token_ttl":"0s","code_ttl":"500ms","refresh_token_ttl":"10ms"}`,
			fixtures.Problems{
				{Path: "refresh_token_ttl", Message: "must be at least 1s (0 means refresh tokens never expire)"},
				{Path: "access_token_ttl", Message: "must be at least 1s"},
				{Path: "code_ttl", Message: "must be at least 1s"},
			},
		},
		{
			"client lifetimes", `{"clients":[{"id":"a","secret":"s","access_token_ttl":"500ms","refresh_token_ttl":"1ms","id_token_ttl":0.2}]}`,
			fixtures.Problems{
				{Path: "clients[0].access_token_ttl", Message: "must be at least 1s"},
				{Path: "clients[0].refresh_token_ttl", Message: "must be at least 1s"},
				{Path: "clients[0].id_token_ttl", Message: "must be at least 1s"},
			},
		},
		{"never-expiring refresh tokens are fine", `{"refresh_token_ttl":0}`, nil},
		{"client default user must exist", `{"clients":[{"id":"a","secret":"s","default_user":"nobody"}]}`, fixtures.Problems{{Path: "clients[0].default_user", Message: `no user named "nobody"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := f.ParseConfig([]byte(tc.raw))
			assert.ElementsMatch(t, tc.want, ps)
		})
	}
}

func TestFactoryNew(t *testing.T) {
	t.Parallel()
	deps := provider.Deps{Name: "oidc", Issuer: fuzzIssuer, Clock: clock.NewFrozen(t0), Store: memory.New(clock.NewFrozen(t0)).Namespace("oidc"),
		Logger: slog.New(slog.DiscardHandler), Rand: rand.Reader, MaxBody: testMaxBody}

	cfg, ps := Factory().ParseConfig([]byte(testConfigJSON))
	require.Empty(t, ps)
	p, err := Factory().New(deps, cfg)
	require.NoError(t, err)
	assert.IsType(t, &Provider{}, p)

	_, err = Factory().New(deps, struct{}{})
	assert.EqualError(t, err, "oidc: config of type struct {}")

	// A missing key file passes ParseConfig (it has no base directory) and
	// fails in New.
	bad, ps := Factory().ParseConfig([]byte(`{"keys":[{"file":"/nonexistent/key.pem"}]}`))
	require.Empty(t, ps)
	_, err = Factory().New(deps, bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "keys[0]")
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name   string
		mutate func(*Config)
		note   string
	}{
		{"non-interactive", nil, "non-interactive: /authorize approves at once as the client's default user, or as login_hint"},
		{"interactive", interactive, "interactive: the authorization endpoint shows a login and consent page"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			ip := newInProcess(t, mode.mutate)
			d := ip.p.Describe()
			assert.Equal(t, "oidc", d.Dialect)
			assert.Equal(t, []provider.Endpoint{
				{Name: "issuer", URL: fuzzIssuer},
				{Name: "discovery", URL: fuzzIssuer + "/.well-known/openid-configuration"},
				{Name: "authorize", URL: fuzzIssuer + "/authorize"},
				{Name: "token", URL: fuzzIssuer + "/token"},
				{Name: "userinfo", URL: fuzzIssuer + "/userinfo"},
				{Name: "jwks", URL: fuzzIssuer + "/jwks"},
				{Name: "introspect", URL: fuzzIssuer + "/introspect"},
				{Name: "revoke", URL: fuzzIssuer + "/revoke"},
				{Name: "end_session", URL: fuzzIssuer + "/end_session"},
				{Name: "par", URL: fuzzIssuer + "/par"},
				{Name: "device_auth", URL: fuzzIssuer + "/device_authorization"},
				{Name: "device", URL: fuzzIssuer + "/device"},
			}, d.Endpoints)
			assert.Equal(t, []provider.DescribedClient{
				{ID: partnerID, Secret: partnerSecret, RedirectURIs: []string{partnerRedir}, Note: "confidential"},
				{ID: serviceID, Secret: serviceSecret, RedirectURIs: []string{serviceRedir}, Note: "confidential; grants: [client_credentials]"},
				{ID: spaID, RedirectURIs: []string{spaRedirect}, Note: "public, PKCE required"},
				{ID: webID, Secret: webSecret, RedirectURIs: []string{webRedirect, webRedirect2}, Note: "confidential; grants: [authorization_code refresh_token password]"},
			}, d.Clients)
			assert.Equal(t, []provider.DescribedUser{
				{Username: "alice", Password: alicePassword}, {Username: "bob", Password: bobPassword}, {Username: "carol", Password: carolPassword},
			}, d.Users)
			assert.Equal(t, []string{mode.note}, d.Notes)
		})
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	require.Empty(t, ts.p.dir.PutClient(fixtures.Client{ID: "runtime", Secret: "runtime-secret", RedirectURIs: []string{"https://runtime.example/cb"}}))
	params := url.Values{"response_type": {"code"}, "client_id": {"runtime"}, "state": {"s"}}
	assert.NotEmpty(t, ts.authorize(params).Query().Get("code"))
	require.True(t, ts.p.dir.DeleteUser("bob"))

	require.NoError(t, ts.p.Reset(t.Context()))
	assertPage(t, ts.authorizeResp(params), http.StatusBadRequest, "Unknown client_id.")
	ts.passwordTokens("bob", bobPassword, "openid")
}

// TestDefaultUserFallback: a client without a default user approves as the
// first user by username.
func TestDefaultUserFallback(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.Clients[0].DefaultUser = "" })
	_, claims := decodeJWT(t, ts.codeFlow(nil).IDToken)
	assert.Equal(t, aliceSubject, claims["sub"])

	none := newTestServer(t, func(c *Config) { c.Clients[0].DefaultUser = ""; c.Users = nil })
	loc := none.authorize(webAuthParams())
	assert.Equal(t, "access_denied", loc.Query().Get("error"))
	assert.Equal(t, "no user is configured to approve the request", loc.Query().Get("error_description"))
}

// TestAtHashByAlgorithm: at_hash is the left half of the hash the signing
// algorithm uses (OIDC Core §3.1.3.6); Ed25519 signs with SHA-512.
func TestAtHashByAlgorithm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg, key string
		hash     func() hash.Hash
	}{
		{"RS256", "demo-rs256", sha256.New},
		{"ES256", "demo-es256", sha256.New},
		{"EdDSA", "demo-eddsa", sha512.New},
		{"HS256", "demo-hs256", sha256.New},
	}
	for _, tc := range tests {
		t.Run(tc.alg, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, func(c *Config) { c.Keys = []fixtures.KeySpec{{Builtin: tc.key}} })
			tok := ts.passwordTokens("alice", alicePassword, "openid")
			header, claims := decodeJWT(t, tok.IDToken)
			assert.Equal(t, tc.alg, header["alg"])
			h := tc.hash()
			h.Write([]byte(tok.AccessToken))
			sum := h.Sum(nil)
			assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), claims["at_hash"])
			assert.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status)
			if tc.alg == "HS256" {
				assert.JSONEq(t, `{"keys":[]}`, ts.get(PathJWKS, nil).String(), "a secret is never published")
			} else {
				ts.verifyJWT(tok.IDToken)
			}
		})
	}
}

// failingReader is a randomness source that has run dry.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) {
	return 0, errors.New("entropy pool exhausted at rand.go:42")
}

var _ io.Reader = failingReader{}

// TestRandomnessFailure: a server fault becomes a generic server_error,
// with its cause kept out of the response.
func TestRandomnessFailure(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	issuer := "http://" + srv.Listener.Addr().String() + pathPrefix
	clk := clock.NewFrozen(t0)
	p, err := New(provider.Deps{Name: "oidc", Issuer: issuer, Clock: clk, Store: memory.New(clk).Namespace("oidc"),
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Rand: failingReader{}, MaxBody: testMaxBody}, testConfig(t, interactive))
	require.NoError(t, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	srv.Config.Handler = root
	srv.Start()
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ts := &testServer{tb: t, p: p, clk: clk, router: root, srv: srv, client: client, issuer: issuer}

	t.Run("token endpoint", func(t *testing.T) {
		// A password grant draws a family id and a refresh token; a
		// client-credentials token draws nothing (its jti is the
		// lifecycle's stamp).
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}}, webID, webSecret)
		assert.Equal(t, http.StatusInternalServerError, resp.status)
		assert.JSONEq(t, errJSON("server_error", "the server failed to handle the request"), resp.String())
	})
	t.Run("login page", func(t *testing.T) {
		loc := ts.authorize(webAuthParams())
		assert.Equal(t, url.Values{
			"error": {"server_error"}, "error_description": {"the server failed to handle the request"},
			"state": {testStateValue}, "iss": {issuer},
		}, assertRedirectTo(t, loc, webRedirect))
		assert.NotContains(t, loc.String(), "entropy")
	})
	t.Run("no internals", func(t *testing.T) {
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}}, webID, webSecret)
		assert.Equal(t, http.StatusInternalServerError, resp.status)
		assert.False(t, strings.Contains(resp.String(), "rand.go"), "%s", resp.body)
	})
}
