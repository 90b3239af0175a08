package dotypos

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// The tokens every control test starts from, by name:
//
//	alice.refresh, alice.bistro, alice.cloudless  pos-sync's connector and signin, as alice
//	bob.refresh, bob.shop                          other-app's connector and signin, as bob
//	mint.refresh, mint.access                      minted for alice through other-app
const (
	aliceRefresh   = "alice.refresh"
	aliceBistro    = "alice.bistro"
	aliceCloudless = "alice.cloudless"
	bobRefresh     = "bob.refresh"
	bobShop        = "bob.shop"
	mintRefresh    = "mint.refresh"
	mintAccess     = "mint.access"
)

var (
	accessNames  = []string{aliceBistro, aliceCloudless, bobShop, mintAccess}
	refreshNames = []string{aliceRefresh, bobRefresh, mintRefresh}
)

// otherQuery is a valid legacy connector query for other-app (bob).
func otherQuery() url.Values {
	return url.Values{"client_id": {otherID}, "client_secret": {otherSecret}, "scope": {"*"}, "redirect_uri": {otherRedir}}
}

// signinToken signs in with refresh and returns the access token.
func (ts *testServer) signinToken(refresh, body string) string {
	ts.tb.Helper()
	res := ts.signin(refresh, body)
	require.Equal(ts.tb, http.StatusCreated, res.status, "%s", res.body)
	var out map[string]string
	require.NoError(ts.tb, json.Unmarshal(res.body, &out))
	return out["accessToken"]
}

func (ts *testServer) issueAll() map[string]string {
	ts.tb.Helper()
	tokens := map[string]string{}
	tokens[aliceRefresh], _ = ts.connectToken(legacyQuery(""))
	tokens[aliceBistro] = ts.signinToken(tokens[aliceRefresh], `{"_cloudId":123456789}`)
	tokens[aliceCloudless] = ts.signinToken(tokens[aliceRefresh], `{}`)
	tokens[bobRefresh], _ = ts.connectToken(otherQuery())
	tokens[bobShop] = ts.signinToken(tokens[bobRefresh], `{"_cloudId":555}`)
	minted, err := ts.p.Mint(ts.tb.Context(), provider.MintRequest{ClientID: otherID, Username: "alice"})
	require.NoError(ts.tb, err)
	tokens[mintRefresh], tokens[mintAccess] = minted.RefreshToken, minted.AccessToken
	return tokens
}

func jtiOf(ts *testServer, token string) string {
	ts.tb.Helper()
	jti, _ := ts.claimsOf(token)["jti"].(string)
	require.NotEmpty(ts.tb, jti)
	return jti
}

// dead access tokens fail on every verification path, before any cloud
// check: the list, a cloud, and a path under a cloud.
var accessPaths = []string{PathClouds, PathClouds + "/123456789", PathClouds + "/123456789/orders"}

func assertAccessFails(t *testing.T, ts *testServer, token string, status int, reason, msg, name string) {
	t.Helper()
	for _, path := range accessPaths {
		res := ts.get(path, token)
		assert.Equal(t, status, res.status, "%s on %s", name, path)
		assert.JSONEq(t, ts.errBody(status, reason, msg), string(res.body), "%s on %s", name, path)
	}
}

func assertAccessWorks(t *testing.T, ts *testServer, token, name string) {
	t.Helper()
	res := ts.get(PathClouds, token)
	assert.Equal(t, http.StatusOK, res.status, "%s: %s", name, res.body)
}

func assertRefreshFails(t *testing.T, ts *testServer, refresh, msg, name string) {
	t.Helper()
	res := ts.signin(refresh, `{}`)
	assert.Equal(t, http.StatusUnauthorized, res.status, name)
	assert.JSONEq(t, ts.errBody(http.StatusUnauthorized, ReasonInvalidRefreshToken, msg), string(res.body), name)
}

func assertRefreshWorks(t *testing.T, ts *testServer, refresh, name string) {
	t.Helper()
	res := ts.signin(refresh, `{}`)
	assert.Equal(t, http.StatusCreated, res.status, "%s: %s", name, res.body)
}

// assertFreshLoginWorks: a connect and a signin after the call, on the
// same frozen clock (so the same iat), give tokens that work.
func assertFreshLoginWorks(t *testing.T, ts *testServer) {
	t.Helper()
	refresh, _ := ts.connectToken(legacyQuery(""))
	access := ts.signinToken(refresh, `{"_cloudId":123456789}`)
	assert.Equal(t, float64(t0.Unix()), ts.claimsOf(access)["iat"], "the clock is frozen")
	for _, path := range []string{PathClouds, PathClouds + "/123456789"} {
		assert.Equal(t, http.StatusOK, ts.get(path, access).status, "a token issued after the call, %s", path)
	}
	assertRefreshWorks(t, ts, refresh, "a refresh token issued after the call")
	minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: otherID, Username: "alice"})
	require.NoError(t, err)
	assertAccessWorks(t, ts, minted.AccessToken, "a token minted after the call")
	assertRefreshWorks(t, ts, minted.RefreshToken, "a refresh token minted after the call")
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sel  func(ts *testServer, tokens map[string]string) provider.TokenSelector
		want provider.Selected
		dead []string // the rest must still work
		// refreshMsg is the message a dead refresh token gets, when it is
		// not msgRefreshRevoked.
		refreshMsg string
	}{
		{
			name: "an access token by token",
			sel: func(_ *testServer, tk map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Token: tk[aliceBistro]}
			},
			want: provider.Selected{AccessTokens: 1},
			dead: []string{aliceBistro},
		},
		{
			// As RevokeRefreshToken: the access tokens already issued from
			// it stay valid until exp.
			name: "a refresh token by token",
			sel: func(_ *testServer, tk map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Token: tk[aliceRefresh]}
			},
			want: provider.Selected{RefreshTokens: 1},
			dead: []string{aliceRefresh},
			// Revoking by token forgets the token.
			refreshMsg: msgUnknownRefresh,
		},
		{
			name: "an access token by jti",
			sel: func(ts *testServer, tk map[string]string) provider.TokenSelector {
				return provider.TokenSelector{JTI: jtiOf(ts, tk[mintAccess])}
			},
			want: provider.Selected{AccessTokens: 1},
			dead: []string{mintAccess},
		},
		{
			name: "a user, through every client",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Username: "alice"}
			},
			want: provider.Selected{AccessTokens: 3, RefreshTokens: 2},
			dead: []string{aliceRefresh, aliceBistro, aliceCloudless, mintRefresh, mintAccess},
		},
		{
			name: "a client, for every user",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{ClientID: otherID}
			},
			want: provider.Selected{AccessTokens: 2, RefreshTokens: 2},
			dead: []string{bobRefresh, bobShop, mintRefresh, mintAccess},
		},
		{
			name: "a user with no tokens",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Username: "carol"}
			},
		},
		{
			name: "an unknown user",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Username: "zed"}
			},
		},
		{
			name: "an unknown client",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{ClientID: "zed-app"}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tokens := ts.issueAll()
			sel := tc.sel(ts, tokens)
			got, err := ts.p.life.Revoke(t.Context(), sel)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)

			for _, name := range accessNames {
				if slices.Contains(tc.dead, name) {
					assertAccessFails(t, ts, tokens[name], http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, name)
				} else {
					assertAccessWorks(t, ts, tokens[name], name)
				}
			}
			for _, name := range refreshNames {
				if slices.Contains(tc.dead, name) {
					assertRefreshFails(t, ts, tokens[name], cmp.Or(tc.refreshMsg, msgRefreshRevoked), name)
				} else {
					assertRefreshWorks(t, ts, tokens[name], name)
				}
			}

			// Again: nothing more to revoke, and it is not an error (a
			// revoked refresh token is gone, so naming it is unknown).
			again, err := ts.p.life.Revoke(t.Context(), sel)
			if sel.Token != "" && slices.Contains(tc.dead, aliceRefresh) {
				require.ErrorIs(t, err, provider.ErrUnknownToken)
			} else {
				require.NoError(t, err)
				assert.Equal(t, provider.Selected{}, again)
			}
			assertFreshLoginWorks(t, ts)
		})
	}
}

func TestExpire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sel     func(ts *testServer, tokens map[string]string) provider.TokenSelector
		want    provider.Selected
		expired []string // the rest must still work
	}{
		{
			name: "an access token by token",
			sel: func(_ *testServer, tk map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Token: tk[aliceCloudless]}
			},
			want:    provider.Selected{AccessTokens: 1},
			expired: []string{aliceCloudless},
		},
		{
			name: "a refresh token by token expires it itself",
			sel: func(_ *testServer, tk map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Token: tk[bobRefresh]}
			},
			want:    provider.Selected{RefreshTokens: 1},
			expired: []string{bobRefresh},
		},
		{
			name: "an access token by jti",
			sel: func(ts *testServer, tk map[string]string) provider.TokenSelector {
				return provider.TokenSelector{JTI: jtiOf(ts, tk[bobShop])}
			},
			want:    provider.Selected{AccessTokens: 1},
			expired: []string{bobShop},
		},
		{
			name: "a user's access tokens, not their refresh tokens",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Username: "alice"}
			},
			want:    provider.Selected{AccessTokens: 3},
			expired: []string{aliceBistro, aliceCloudless, mintAccess},
		},
		{
			name: "a client's access tokens, not its refresh tokens",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{ClientID: posID}
			},
			want:    provider.Selected{AccessTokens: 2},
			expired: []string{aliceBistro, aliceCloudless},
		},
		{
			name: "an unknown user",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{Username: "zed"}
			},
		},
		{
			name: "an unknown client",
			sel: func(*testServer, map[string]string) provider.TokenSelector {
				return provider.TokenSelector{ClientID: "zed-app"}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tokens := ts.issueAll()
			sel := tc.sel(ts, tokens)
			got, err := ts.p.life.Expire(t.Context(), sel)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)

			for _, name := range accessNames {
				if slices.Contains(tc.expired, name) {
					// Exactly what a passed exp gives.
					assertAccessFails(t, ts, tokens[name], http.StatusForbidden, ReasonAccessTokenExpired, msgAdminExpired, name)
				} else {
					assertAccessWorks(t, ts, tokens[name], name)
				}
			}
			again, err := ts.p.life.Expire(t.Context(), sel)
			require.NoError(t, err)
			assert.Equal(t, provider.Selected{}, again, "expired tokens are not counted twice")

			for _, name := range refreshNames {
				if slices.Contains(tc.expired, name) {
					assertRefreshFails(t, ts, tokens[name], msgRefreshExpired, name)
				} else {
					// What a client does on ACCESS_TOKEN_EXPIRED: exchange the
					// same refresh token again, on the same frozen clock.
					access := ts.signinToken(tokens[name], `{}`)
					assertAccessWorks(t, ts, access, name+"'s new access token")
				}
			}

			assertFreshLoginWorks(t, ts)
		})
	}
}

func TestExpireThenRevoke(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tokens := ts.issueAll()
	n, err := ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 3}, n)
	assertAccessFails(t, ts, tokens[aliceBistro], http.StatusForbidden, ReasonAccessTokenExpired, msgAdminExpired, aliceBistro)

	// Revoking takes precedence over expiring, and counts the expired
	// tokens it revokes.
	n, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 3, RefreshTokens: 2}, n)
	assertAccessFails(t, ts, tokens[aliceBistro], http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, aliceBistro)
	n, err = ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, n)
	assertAccessFails(t, ts, tokens[aliceBistro], http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, aliceBistro)
}

// TestControlKeepsTheGarbageErrors: the lifecycle is consulted only for a
// token that is otherwise valid, so a bad token keeps its own error.
func TestControlKeepsTheGarbageErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tokens := ts.issueAll()
	_, err := ts.p.life.Expire(t.Context(), provider.TokenSelector{Token: tokens[aliceBistro]})
	require.NoError(t, err)
	_, err = ts.p.life.Expire(t.Context(), provider.TokenSelector{Token: tokens[aliceRefresh]})
	require.NoError(t, err)
	_, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: tokens[bobShop]})
	require.NoError(t, err)

	assertAccessFails(t, ts, tamper(tokens[aliceBistro]), http.StatusUnauthorized, ReasonInvalidAccessToken, msgInvalidAccess, "a tampered expired token")
	res := ts.request(http.MethodGet, PathClouds, nil, "Authorization", "Token "+tokens[bobShop])
	assert.JSONEq(t, ts.errBody(401, ReasonInvalidAuthHeader, msgBearerHeader), string(res.body))
	res = ts.request(http.MethodPost, PathSignin, nil, "Authorization", "Bearer "+tokens[aliceRefresh])
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.JSONEq(t, ts.errBody(401, ReasonInvalidAuthHeader, msgUserHeader), string(res.body))
	// A refresh token revoked or expired is refused before its body is read.
	res = ts.request(http.MethodPost, PathSignin, nil, "Authorization", "User "+tokens[aliceRefresh], "Content-Type", "text/plain")
	assert.JSONEq(t, ts.errBody(401, ReasonInvalidRefreshToken, msgRefreshExpired), string(res.body))
	// A live token still gets the later checks' errors.
	res = ts.request(http.MethodPost, PathSignin, nil, "Authorization", "User "+tokens[bobRefresh], "Content-Type", "text/plain")
	assert.JSONEq(t, ts.errBody(400, ReasonInvalidContentType, msgNotJSON, violationNotJSON), string(res.body))
}

func TestControlUnknownTokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.AccessTokenTTL = durationOf(time.Minute) })
	tokens := ts.issueAll()
	revokedRefresh, _ := ts.connectToken(legacyQuery(""))
	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: revokedRefresh})
	require.NoError(t, err)

	foreignKey, err := jwtutil.GenerateKey(jwtutil.RS256)
	require.NoError(t, err)
	foreignSet, err := jwtutil.NewKeySet(foreignKey)
	require.NoError(t, err)
	foreign, err := foreignSet.SignWithType("JWT", jwt.MapClaims{"iss": ts.issuer, "sub": aliceSubject, "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "jti": jtiOf(ts, tokens[aliceBistro])})
	require.NoError(t, err)
	unrecorded, err := ts.p.keys.SignWithType("JWT", jwt.MapClaims{"iss": ts.issuer, "sub": aliceSubject, "exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "jti": "never-issued"})
	require.NoError(t, err)

	unknown := []provider.TokenSelector{
		{Token: "garbage"},
		{Token: "0123456789abcdef0123456789abcdef"}, // the shape of a refresh token, never issued
		{Token: revokedRefresh},
		{Token: foreign},
		{Token: unrecorded},
		{Token: tamper(tokens[aliceBistro])},
		{JTI: "never-issued"},
		{JTI: refreshID(tokens[aliceRefresh])}, // a jti names access tokens only
	}
	for _, sel := range unknown {
		_, err := ts.p.life.Revoke(t.Context(), sel)
		require.ErrorIs(t, err, provider.ErrUnknownToken, "revoke %+v", sel)
		_, err = ts.p.life.Expire(t.Context(), sel)
		require.ErrorIs(t, err, provider.ErrUnknownToken, "expire %+v", sel)
	}
	require.ErrorIs(t, ts.p.RevokeAccessToken(t.Context(), "never-issued"), provider.ErrUnknownToken)

	// Past its exp, an access token is forgotten: naming it is unknown.
	jti := jtiOf(ts, tokens[aliceBistro])
	ts.clk.Advance(time.Minute)
	for _, sel := range []provider.TokenSelector{{Token: tokens[aliceBistro]}, {JTI: jti}} {
		_, err := ts.p.life.Revoke(t.Context(), sel)
		require.ErrorIs(t, err, provider.ErrUnknownToken, "revoke %+v", sel)
	}

	for _, sel := range []provider.TokenSelector{{}, {Username: "alice", ClientID: posID}, {Token: tokens[aliceRefresh], JTI: "x"}} {
		_, err := ts.p.life.Revoke(t.Context(), sel)
		require.Error(t, err)
		assert.NotErrorIs(t, err, provider.ErrUnknownToken, "a bad selector is not an unknown token")
		_, err = ts.p.life.Expire(t.Context(), sel)
		require.Error(t, err)
		assert.Equal(t, sel.Validate().Error(), err.Error())
	}
}

// TestLifecycleStampsEveryIssuance: every way a token is issued (both
// connectors, the consent page, signin, Mint) stamps it with the user, the
// client and the token's own expiry, so an admin revoke of the user counts
// each of them.
func TestLifecycleStampsEveryIssuance(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.Interactive = true
		c.RefreshTokenTTL = durationOf(24 * time.Hour)
		c.Clients[1].AccessTokenTTL = durationOf(90 * time.Second)
	})
	type stamp struct {
		Kind             lifecycle.Kind
		Username, Client string
		Expires          int64
	}
	factsOf := func(token string) stamp {
		f, err := ts.p.resolveToken(t.Context(), token)
		require.NoError(t, err)
		var exp int64
		if !f.ExpiresAt.IsZero() {
			exp = f.ExpiresAt.Unix()
		}
		return stamp{f.Kind, f.Username, f.ClientID, exp}
	}
	day := t0.Add(24 * time.Hour).Unix()

	_, id := ts.consentPageFor(legacyQuery(""))
	res := ts.decide(url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}})
	fromPage := location(t, res, posRedirect).Get("token")
	v2 := ts.connectV2(PathConnectV2, v2Form(t0.Unix(), ""))
	require.Equal(t, http.StatusOK, v2.status, "the interactive page")
	m := consentIDField.FindStringSubmatch(string(v2.body))
	require.NotNil(t, m)
	res = ts.decide(url.Values{"consent_id": {m[1]}, "action": {"allow"}, "cloudid": {"987654321"}})
	fromV2 := location(t, res, posRedirect).Get("token")
	access := ts.signinToken(fromPage, `{"_cloudId":123456789}`)
	minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: otherID, Username: "alice", TTLSeconds: 30})
	require.NoError(t, err)
	assert.Equal(t, jtiOf(ts, minted.AccessToken), minted.JTI, "Mint returns the jti")

	assert.Equal(t, stamp{lifecycle.Refresh, "alice", posID, day}, factsOf(fromPage))
	assert.Equal(t, stamp{lifecycle.Refresh, "alice", posID, day}, factsOf(fromV2))
	assert.Equal(t, stamp{lifecycle.Access, "alice", posID, t0.Add(time.Hour).Unix()}, factsOf(access))
	assert.Equal(t, stamp{lifecycle.Refresh, "alice", otherID, day}, factsOf(minted.RefreshToken))
	assert.Equal(t, stamp{lifecycle.Access, "alice", otherID, t0.Add(30 * time.Second).Unix()}, factsOf(minted.AccessToken))
	n, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 2, RefreshTokens: 3}, n)

	// No refresh_token_ttl: a refresh token never expires.
	ts2 := newTestServer(t, nil)
	refresh, _ := ts2.connectToken(legacyQuery(""))
	f, err := ts2.p.resolveToken(t.Context(), refresh)
	require.NoError(t, err)
	assert.True(t, f.ExpiresAt.IsZero())
	// The store keeps a hash of the refresh token, never the token.
	recs, err := ts2.p.deps.Store.ListRecords(t.Context(), "")
	require.NoError(t, err)
	for _, r := range recs {
		assert.NotContains(t, r.Key, refresh)
		assert.NotContains(t, string(r.Value), refresh)
	}
}

func TestRevokeHelpers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tokens := ts.issueAll()
	require.NoError(t, ts.p.RevokeAccessToken(t.Context(), jtiOf(ts, tokens[bobShop])))
	assertAccessFails(t, ts, tokens[bobShop], http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, bobShop)
	live, err := ts.p.RevokeRefreshToken(t.Context(), tokens[bobRefresh])
	require.NoError(t, err)
	assert.True(t, live)
	assertRefreshFails(t, ts, tokens[bobRefresh], msgUnknownRefresh, bobRefresh)
	// Both went through the lifecycle: a user revoke has nothing left of bob's.
	n, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "bob"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, n)
	// An access token is not a refresh token.
	live, err = ts.p.RevokeRefreshToken(t.Context(), tokens[aliceBistro])
	require.NoError(t, err)
	assert.False(t, live)
	assertAccessWorks(t, ts, tokens[aliceBistro], aliceBistro)
}

// TestRevokeConcurrentWithIssuance: revoking a user while its tokens are
// being issued and used is race-free, and once a revoke has returned,
// every token issued before it is dead and new ones work.
func TestRevokeConcurrentWithIssuance(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	refresh, _ := ts.connectToken(legacyQuery(""))
	var (
		mu     sync.Mutex
		access []string
		minted []string
		wg     sync.WaitGroup
	)
	for range 4 {
		wg.Go(func() {
			for range 20 {
				res := ts.signin(refresh, `{"_cloudId":123456789}`)
				if res.status == http.StatusCreated {
					var out map[string]string
					if json.Unmarshal(res.body, &out) == nil {
						mu.Lock()
						access = append(access, out["accessToken"])
						mu.Unlock()
					}
				} else if !assert.JSONEq(t, ts.errBody(401, ReasonInvalidRefreshToken, msgRefreshRevoked), string(res.body)) {
					return
				}
				m, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: posID})
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				minted = append(minted, m.RefreshToken)
				access = append(access, m.AccessToken)
				mu.Unlock()
				ts.get(PathClouds, m.AccessToken)
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 10 {
				_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
				assert.NoError(t, err)
				_, err = ts.p.life.Expire(t.Context(), provider.TokenSelector{ClientID: posID})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()

	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	require.NotEmpty(t, access)
	for _, tok := range access {
		assert.Equal(t, http.StatusUnauthorized, ts.get(PathClouds, tok).status)
	}
	for _, tok := range append(minted, refresh) {
		assertRefreshFails(t, ts, tok, msgRefreshRevoked, "a refresh token issued before the last revoke")
	}
	assertFreshLoginWorks(t, ts)
}
