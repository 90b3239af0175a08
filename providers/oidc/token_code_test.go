package oidc

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

// assertTokenBody checks a success body's members, their JSON types and the
// no-store headers RFC 6749 §5.1 requires.
func assertTokenBody(t *testing.T, resp response, keys ...string) {
	t.Helper()
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	assert.Equal(t, "application/json;charset=UTF-8", resp.header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	assert.Equal(t, "no-cache", resp.header.Get("Pragma"))
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(resp.body, &body))
	got := make([]string, 0, len(body))
	for k := range body {
		got = append(got, k)
	}
	assert.ElementsMatch(t, keys, got, "members of %s", resp.body)
	for k, raw := range body {
		if k == "expires_in" {
			var n int64
			assert.NoError(t, json.Unmarshal(raw, &n), "expires_in must be an integer: %s", raw)
			continue
		}
		var s string
		assert.NoError(t, json.Unmarshal(raw, &s), "%s must be a string: %s", k, raw)
		assert.NotEmpty(t, s, k)
	}
}

var fullTokenKeys = []string{"access_token", "token_type", "expires_in", "refresh_token", "id_token", "scope"}

func TestTokenAuthorizationCode(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.redeem(ts.code(nil), nil)
	assertTokenBody(t, resp, fullTokenKeys...)
	tok := ts.tokens(resp)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, int64(3600), tok.ExpiresIn)
	assert.Equal(t, webScopes, tok.Scope)

	t.Run("ID token", func(t *testing.T) {
		header, _ := decodeJWT(t, tok.IDToken)
		assert.Equal(t, map[string]any{"alg": "RS256", "kid": demoRS256KID, "typ": "JWT"}, header)
		claims := ts.verifyJWT(tok.IDToken)
		sid, _ := claims["sid"].(string)
		assert.NotEmpty(t, sid)
		assert.Equal(t, map[string]any{
			"iss":                ts.issuer,
			"sub":                aliceSubject,
			"aud":                webID,
			"azp":                webID,
			"iat":                unix(0),
			"exp":                unix(time.Hour),
			"auth_time":          unix(0),
			"nonce":              testNonceValue,
			"at_hash":            atHash(tok.AccessToken),
			"sid":                sid,
			"name":               "Alice Liddell",
			"given_name":         "Alice",
			"family_name":        "Liddell",
			"preferred_username": "alice",
			"email":              "alice@example.com",
			"email_verified":     true,
			"groups":             []any{"admins", "staff"},
		}, claims)
	})
	t.Run("access token", func(t *testing.T) {
		header, _ := decodeJWT(t, tok.AccessToken)
		assert.Equal(t, map[string]any{"alg": "RS256", "kid": demoRS256KID, "typ": "at+jwt"}, header)
		claims := ts.verifyJWT(tok.AccessToken)
		jti, _ := claims["jti"].(string)
		assert.Len(t, jti, 32)
		_, idClaims := decodeJWT(t, tok.IDToken)
		assert.Equal(t, map[string]any{
			"iss":       ts.issuer,
			"sub":       aliceSubject,
			"aud":       []any{webID},
			"client_id": webID,
			"scope":     webScopes,
			"jti":       jti,
			"sid":       idClaims["sid"],
			"iat":       unix(0),
			"nbf":       unix(0),
			"exp":       unix(time.Hour),
			"auth_time": unix(0),
		}, claims)
	})
	t.Run("tokens differ per redemption", func(t *testing.T) {
		other := ts.codeFlow(nil)
		assert.NotEqual(t, tok.AccessToken, other.AccessToken)
		assert.NotEqual(t, tok.RefreshToken, other.RefreshToken)
		_, a := decodeJWT(t, tok.AccessToken)
		_, b := decodeJWT(t, other.AccessToken)
		assert.NotEqual(t, a["jti"], b["jti"])
		assert.NotEqual(t, a["sid"], b["sid"])
	})
}

func TestTokenAuthorizationCodeVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		mutate    func(*Config)
		authz     url.Values // applied to webAuthParams
		keys      []string
		scope     string
		expiresIn int64
		checkID   func(t *testing.T, claims map[string]any)
	}{
		{
			name:  "without openid no ID token",
			authz: url.Values{"scope": {"profile"}},
			keys:  []string{"access_token", "token_type", "expires_in", "refresh_token", "scope"},
			scope: "profile",
		},
		{
			name:  "without nonce no nonce claim",
			authz: url.Values{"nonce": {""}},
			keys:  fullTokenKeys,
			scope: webScopes,
			checkID: func(t *testing.T, claims map[string]any) {
				assert.NotContains(t, claims, "nonce")
			},
		},
		{
			name: "instance without refresh tokens",
			mutate: func(c *Config) {
				c.GrantTypes = []string{"authorization_code", "password"}
				c.Clients[0].GrantTypes = nil
			},
			keys:  []string{"access_token", "token_type", "expires_in", "id_token", "scope"},
			scope: webScopes,
		},
		{
			name:      "client lifetimes override the instance's",
			mutate:    func(c *Config) { c.Clients[0].AccessTokenTTL = 300e9; c.Clients[0].IDTokenTTL = 120e9 },
			keys:      fullTokenKeys,
			scope:     webScopes,
			expiresIn: 300,
			checkID: func(t *testing.T, claims map[string]any) {
				assert.Equal(t, unix(2*time.Minute), claims["exp"])
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tc.mutate)
			resp := ts.redeem(ts.code(tc.authz), nil)
			assertTokenBody(t, resp, tc.keys...)
			tok := ts.tokens(resp)
			assert.Equal(t, tc.scope, tok.Scope)
			if tc.checkID != nil {
				tc.checkID(t, ts.verifyJWT(tok.IDToken))
			}
			wantExpires := tc.expiresIn
			if wantExpires == 0 {
				wantExpires = 3600
			}
			assert.Equal(t, wantExpires, tok.ExpiresIn)
		})
	}
}

// TestTokenAuthorizationCodeErrors: every failure is invalid_grant or
// invalid_request, and none of them spends the code.
func TestTokenAuthorizationCodeErrors(t *testing.T) {
	t.Parallel()
	verifier := "kjhGFDsa-0987654321.qwertyuiop_asdfghjkl~zxcvbnm"
	pkce := url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	tests := []struct {
		name  string
		authz url.Values // nil: no code needed
		// bad is the failing token request's form (code filled in); user
		// and pass are its Basic credentials.
		bad        url.Values
		user, pass string
		advance    time.Duration
		status     int
		body       string
		// good redeems the same code afterwards (nil: do not try).
		good url.Values
	}{
		{
			name: "missing code", bad: url.Values{"code": {""}},
			status: 400, body: errJSON("invalid_request", "code is required"),
		},
		{
			name: "unknown code", bad: url.Values{"code": {"no-such-code"}},
			status: 400, body: errJSON("invalid_grant", "the authorization code is invalid or expired"),
		},
		{
			name: "expired code", authz: url.Values{}, advance: 10*time.Minute + time.Second,
			status: 400, body: errJSON("invalid_grant", "the authorization code is invalid or expired"),
		},
		{
			name: "code of another client", authz: url.Values{}, user: partnerID, pass: partnerSecret,
			status: 400, body: errJSON("invalid_grant", "the authorization code was issued to another client"),
			good: url.Values{},
		},
		{
			name: "code of another client with that client's redirect URI", authz: url.Values{}, user: partnerID, pass: partnerSecret,
			bad:    url.Values{"redirect_uri": {partnerRedir}},
			status: 400, body: errJSON("invalid_grant", "the authorization code was issued to another client"),
			good: url.Values{},
		},
		{
			name: "wrong redirect_uri", authz: url.Values{}, bad: url.Values{"redirect_uri": {webRedirect2}},
			status: 400, body: errJSON("invalid_grant", "redirect_uri does not match the one used in the authorization request"),
			good: url.Values{},
		},
		{
			name: "missing redirect_uri", authz: url.Values{}, bad: url.Values{"redirect_uri": {""}},
			status: 400, body: errJSON("invalid_grant", "redirect_uri does not match the one used in the authorization request"),
			good: url.Values{},
		},
		{
			name: "PKCE wrong verifier", authz: pkce, bad: url.Values{"code_verifier": {rfcVerifier}},
			status: 400, body: errJSON("invalid_grant", "code_verifier does not match the code_challenge"),
			good: url.Values{"code_verifier": {verifier}},
		},
		{
			name: "PKCE missing verifier", authz: pkce,
			status: 400, body: errJSON("invalid_grant", "code_verifier is required: the authorization request used PKCE"),
			good: url.Values{"code_verifier": {verifier}},
		},
		{
			name: "PKCE malformed verifier", authz: pkce, bad: url.Values{"code_verifier": {"short"}},
			status: 400, body: errJSON("invalid_grant", "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]"),
			good: url.Values{"code_verifier": {verifier}},
		},
		{
			name: "PKCE challenge sent as verifier", authz: pkce, bad: url.Values{"code_verifier": {s256(verifier)}},
			status: 400, body: errJSON("invalid_grant", "code_verifier does not match the code_challenge"),
			good: url.Values{"code_verifier": {verifier}},
		},
		{
			name: "verifier when no challenge was used", authz: url.Values{}, bad: url.Values{"code_verifier": {verifier}},
			status: 400, body: errJSON("invalid_grant", "code_verifier was sent but the authorization request had no code_challenge"),
			good: url.Values{},
		},
		{
			name: "wrong client secret", authz: url.Values{}, user: webID, pass: "wrong",
			status: 401, body: errJSON("invalid_client", "client authentication failed"),
			good: url.Values{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			code := ""
			if tc.authz != nil {
				code = ts.code(tc.authz)
			}
			ts.clk.Advance(tc.advance)
			form := merge(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}}, tc.bad)
			user, pass := tc.user, tc.pass
			if user == "" {
				user, pass = webID, webSecret
			}
			resp := ts.postForm(PathToken, form, user, pass)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
			if tc.good != nil {
				assertTokenBody(t, ts.redeem(code, tc.good), fullTokenKeys...)
			}
		})
	}
}

func TestTokenCodePlainPKCE(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	verifier := rfcVerifier
	code := ts.code(url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}})
	assertTokenBody(t, ts.redeem(code, url.Values{"code_verifier": {verifier}}), fullTokenKeys...)

	code = ts.code(url.Values{"code_challenge": {verifier}})
	resp := ts.redeem(code, url.Values{"code_verifier": {s256(verifier)}})
	assert.JSONEq(t, errJSON("invalid_grant", "code_verifier does not match the code_challenge"), resp.String())
	assertTokenBody(t, ts.redeem(code, url.Values{"code_verifier": {verifier}}), fullTokenKeys...)
}

// TestTokenCodeReplay: a second redemption fails and revokes everything
// the first one issued (RFC 6749 §4.1.2).
func TestTokenCodeReplay(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	code := ts.code(nil)
	first := ts.tokens(ts.redeem(code, nil))
	require.Equal(t, http.StatusOK, ts.userinfo(first.AccessToken).status)

	replay := ts.redeem(code, nil)
	assert.Equal(t, http.StatusBadRequest, replay.status)
	assert.JSONEq(t, errJSON("invalid_grant", "the authorization code has already been used"), replay.String())

	ts.assertAccessDead(first.AccessToken)
	ts.assertActive(first.RefreshToken, false)
	ts.assertRefreshDead(first.RefreshToken)

	// A third try is still refused.
	assert.JSONEq(t, errJSON("invalid_grant", "the authorization code has already been used"), ts.redeem(code, nil).String())
}

// TestTokenCodeReplayAfterRefresh: the replay also kills tokens obtained by
// refreshing, since they belong to the same grant.
func TestTokenCodeReplayAfterRefresh(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	code := ts.code(nil)
	first := ts.tokens(ts.redeem(code, nil))
	second := ts.tokens(ts.refresh(first.RefreshToken, nil))
	require.Equal(t, http.StatusBadRequest, ts.redeem(code, nil).status)
	ts.assertAccessDead(second.AccessToken)
	ts.assertRefreshDead(second.RefreshToken)
}

func TestTokenCodePublicClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	verifier := "public-client-verifier-0123456789-abcdefghijklmnop"
	params := url.Values{
		"response_type": {"code"}, "client_id": {spaID}, "redirect_uri": {spaRedirect}, "scope": {"openid email"},
		"state": {testStateValue}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}
	form := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {spaRedirect}, "client_id": {spaID}, "code_verifier": {verifier}}
	}

	t.Run("client_id only", func(t *testing.T) {
		code := assertRedirectTo(t, ts.authorize(params), spaRedirect).Get("code")
		resp := ts.postForm(PathToken, form(code), "", "")
		assertTokenBody(t, resp, fullTokenKeys...)
		_, claims := decodeJWT(t, ts.tokens(resp).IDToken)
		assert.Equal(t, spaID, claims["aud"])
	})
	t.Run("a public client presenting a secret", func(t *testing.T) {
		code := assertRedirectTo(t, ts.authorize(params), spaRedirect).Get("code")
		f := form(code)
		f.Set("client_secret", "made-up")
		resp := ts.postForm(PathToken, f, "", "")
		assert.Equal(t, http.StatusUnauthorized, resp.status)
		assert.JSONEq(t, errJSON("invalid_client", "client authentication failed"), resp.String())
		assertTokenBody(t, ts.postForm(PathToken, form(code), "", ""), fullTokenKeys...)
	})
	t.Run("without the verifier", func(t *testing.T) {
		code := assertRedirectTo(t, ts.authorize(params), spaRedirect).Get("code")
		f := form(code)
		f.Del("code_verifier")
		resp := ts.postForm(PathToken, f, "", "")
		assert.JSONEq(t, errJSON("invalid_grant", "code_verifier is required: the authorization request used PKCE"), resp.String())
	})
	t.Run("confidential client with client_id only", func(t *testing.T) {
		code := ts.code(nil)
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}, "client_id": {webID}}, "", "")
		assert.Equal(t, http.StatusUnauthorized, resp.status)
		assert.Empty(t, resp.header.Get("WWW-Authenticate"))
		assert.JSONEq(t, errJSON("invalid_client", "client authentication failed"), resp.String())
		assertTokenBody(t, ts.redeem(code, nil), fullTokenKeys...)
	})
	t.Run("client_secret_post", func(t *testing.T) {
		code := ts.code(nil)
		resp := ts.postForm(PathToken, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect},
			"client_id": {webID}, "client_secret": {webSecret},
		}, "", "")
		assertTokenBody(t, resp, fullTokenKeys...)
	})
}

// TestTokenCodeScopesFromClient: with no scope parameter a client that
// declares scopes is granted all of them.
func TestTokenCodeScopesFromClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.Clients[0].Scopes = []string{"openid", "email", "api:read"} })
	tok := ts.codeFlow(url.Values{"scope": {""}})
	assert.Equal(t, "openid email api:read", tok.Scope)
	_, claims := decodeJWT(t, tok.AccessToken)
	assert.Equal(t, "openid email api:read", claims["scope"])

	loc := ts.authorize(merge(webAuthParams(), url.Values{"scope": {"openid profile"}}))
	assert.Equal(t, "invalid_scope", loc.Query().Get("error"))
	assert.Equal(t, `scope "profile" is not allowed for this client`, loc.Query().Get("error_description"))
}

// replayRacingStore simulates a replay of a code landing between its
// consumption and the issuing of its refresh token: the replay revokes the
// grant's family in that window.
type replayRacingStore struct {
	store.Store
}

func (s replayRacingStore) ConsumeCode(ctx context.Context, code string, check func(store.Grant) error) (store.Grant, error) {
	g, err := s.Store.ConsumeCode(ctx, code, check)
	if err == nil {
		if rerr := s.Store.RevokeFamily(ctx, g.FamilyID); rerr != nil {
			return g, rerr
		}
	}
	return g, err
}

// TestTokenCodeReplayRace: the redemption that loses to its own replay gets
// invalid_grant, not a server error, and no live refresh token is left.
func TestTokenCodeReplayRace(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	issuer := "http://" + srv.Listener.Addr().String() + pathPrefix
	clk := clock.NewFrozen(t0)
	p, err := New(provider.Deps{
		Name: "oidc", Issuer: issuer, Clock: clk,
		Store:  replayRacingStore{memory.New(clk).Namespace("oidc")},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Rand: rand.Reader, MaxBody: testMaxBody,
	}, testConfig(t, nil))
	require.NoError(t, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	srv.Config.Handler = root
	srv.Start()
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ts := &testServer{tb: t, p: p, clk: clk, router: root, srv: srv, client: client, issuer: issuer}

	resp := ts.redeem(ts.code(nil), nil)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_grant", "the authorization code has already been used"), resp.String())
}

// TestTokenCodeConcurrentRedemption: of simultaneous redemptions of one
// code at most one gets tokens, and none gets a server error.
func TestTokenCodeConcurrentRedemption(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	for round := range 5 {
		code := ts.code(nil)
		const n = 16
		resps := make([]response, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				resps[i] = ts.redeem(code, nil)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, r := range resps {
			switch r.status {
			case http.StatusOK:
				ok++
			case http.StatusBadRequest:
				assert.Equal(t, "invalid_grant", r.json(t)["error"], "round %d: %s", round, r.body)
			default:
				t.Errorf("round %d: status %d: %s", round, r.status, r.body)
			}
		}
		assert.LessOrEqual(t, ok, 1, "round %d", round)
	}
}
