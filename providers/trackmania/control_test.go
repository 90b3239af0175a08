package trackmania

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
)

// The exact errors an admin-revoked or -expired token gets.
const (
	descRevoked = "the access token has been revoked"
	descExpired = "the access token expired"
)

// resourceRoute is one /api route a token is verified on.
type resourceRoute struct {
	method, path, query string
	userOnly            bool // refuses client-credentials tokens
}

var resourceRoutes = []resourceRoute{
	{http.MethodGet, PathUser, "", true},
	{http.MethodGet, PathDisplayNames, "accountId[]=" + aliceID, false},
	{http.MethodGet, PathAccountIDs, "displayName[]=AliceTM", false},
	{http.MethodGet, PathClubsAdmin, "", true},
	{http.MethodGet, PathFavorites, "", true},
	{http.MethodPost, PathFavoriteAdd, "", true},
	{http.MethodPost, PathFavoriteRemove, "", true},
}

func (ts *testServer) callRoute(rt resourceRoute, bearer string) response {
	ts.tb.Helper()
	return ts.request(rt.method, rt.path, rt.query, bearer, "application/json", `{"uid":"m3"}`)
}

// assertAccessFails checks the exact RFC 6750 error on every resource
// route.
func (ts *testServer) assertAccessFails(t *testing.T, bearer, desc string) {
	t.Helper()
	challenge := `Bearer realm="` + ts.issuer + `", error="invalid_token", error_description="` + desc + `"`
	for _, rt := range resourceRoutes {
		resp := ts.callRoute(rt, bearer)
		assert.Equal(t, http.StatusUnauthorized, resp.status, "%s %s", rt.method, rt.path)
		assert.Equal(t, challenge, resp.header.Get("WWW-Authenticate"), "%s %s", rt.method, rt.path)
		assert.JSONEq(t, errJSON("invalid_token", desc), resp.String(), "%s %s", rt.method, rt.path)
	}
}

// assertAccessWorks checks that a token (of a user with every scope, or of
// a client) passes every route it may use.
func (ts *testServer) assertAccessWorks(t *testing.T, bearer string, user bool) {
	t.Helper()
	for _, rt := range resourceRoutes {
		if rt.userOnly && !user {
			continue
		}
		resp := ts.callRoute(rt, bearer)
		assert.Contains(t, []int{http.StatusOK, http.StatusNoContent}, resp.status, "%s %s: %s", rt.method, rt.path, resp.body)
	}
}

// assertRefreshFails checks the refresh grant's exact error for a dead
// refresh token: league's invalidRefreshToken with hint (hintRefreshRevoked
// or hintRefreshExpired).
func (ts *testServer) assertRefreshFails(t *testing.T, rt, hint string) {
	t.Helper()
	resp := ts.refresh(rt)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, tmRefresh(hint), resp.String())
}

// refreshHint is the hint of a refresh token revoked (desc is descRevoked)
// or expired by the admin API.
func refreshHint(desc string) string {
	if desc == descExpired {
		return "Token has expired"
	}
	return "Token has been revoked"
}

// controlModes are the configurations every control test runs in.
var controlModes = []struct {
	name   string
	mutate func(*Config)
}{
	{"opaque", opaqueMode},
	{"jwt", jwtMode},
	{"opaque without rotation", func(c *Config) { opaqueMode(c); c.RefreshTokenRotation = false }},
	{"jwt without rotation", func(c *Config) { jwtMode(c); c.RefreshTokenRotation = false }},
	{"jwt revoke_grant", strictMode},
}

// issuedTokens are the tokens a control test starts with.
type issuedTokens struct {
	alice, bob, cc tokenSet
	minted         provider.MintResult // alice's, through web
}

func (ts *testServer) issueAll(t *testing.T) issuedTokens {
	t.Helper()
	minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{ScopeClubs, ScopeReadFavorite, ScopeWriteFavorite}})
	require.NoError(t, err)
	return issuedTokens{
		alice:  ts.codeFlow(nil),
		bob:    ts.codeFlow(url.Values{"login_hint": {"bob"}}),
		cc:     ts.clientToken(),
		minted: minted,
	}
}

// controlCase is one selector and what it must hit. Token lists name the
// tokens of issuedTokens by role.
type controlCase struct {
	name string
	sel  func(issuedTokens) provider.TokenSelector
	want provider.Selected
	// hit and spared are access tokens; hitRefresh and sparedRefresh
	// refresh tokens.
	hit, spared               func(issuedTokens) []string
	hitRefresh, sparedRefresh func(issuedTokens) []string
}

func tokens(ss ...string) []string { return ss }

func TestRevoke(t *testing.T) {
	t.Parallel()
	cases := []controlCase{
		{
			name: "access token", sel: func(it issuedTokens) provider.TokenSelector {
				return provider.TokenSelector{Token: it.alice.AccessToken}
			},
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.bob.AccessToken, it.minted.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.alice.RefreshToken) },
		},
		{
			name: "jti", sel: func(it issuedTokens) provider.TokenSelector { return provider.TokenSelector{JTI: it.minted.JTI} },
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.minted.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.minted.RefreshToken) },
		},
		{
			// The lifecycle's 32-character stamp the jti begins with.
			name: "jti stamp", sel: func(it issuedTokens) provider.TokenSelector { return provider.TokenSelector{JTI: it.minted.JTI[:32]} },
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.minted.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.minted.RefreshToken) },
		},
		{
			name: "refresh token", sel: func(it issuedTokens) provider.TokenSelector {
				return provider.TokenSelector{Token: it.alice.RefreshToken}
			},
			want:          provider.Selected{RefreshTokens: 1},
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			hitRefresh:    func(it issuedTokens) []string { return tokens(it.alice.RefreshToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.minted.RefreshToken) },
		},
		{
			name: "username", sel: func(issuedTokens) provider.TokenSelector { return provider.TokenSelector{Username: "alice"} },
			want:          provider.Selected{AccessTokens: 2, RefreshTokens: 2},
			hit:           func(it issuedTokens) []string { return tokens(it.alice.AccessToken, it.minted.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.bob.AccessToken) },
			hitRefresh:    func(it issuedTokens) []string { return tokens(it.alice.RefreshToken, it.minted.RefreshToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.bob.RefreshToken) },
		},
		{
			name: "client of client credentials", sel: func(issuedTokens) provider.TokenSelector { return provider.TokenSelector{ClientID: svcID} },
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.cc.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.alice.RefreshToken) },
		},
		{
			name: "client of logins", sel: func(issuedTokens) provider.TokenSelector { return provider.TokenSelector{ClientID: webID} },
			want: provider.Selected{AccessTokens: 3, RefreshTokens: 3},
			hit: func(it issuedTokens) []string {
				return tokens(it.alice.AccessToken, it.bob.AccessToken, it.minted.AccessToken)
			},
			hitRefresh: func(it issuedTokens) []string {
				return tokens(it.alice.RefreshToken, it.bob.RefreshToken, it.minted.RefreshToken)
			},
		},
	}
	for _, mode := range controlModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t, mode.mutate)
				it := ts.issueAll(t)
				got, err := ts.p.Revoke(t.Context(), tc.sel(it))
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				again, err := ts.p.Revoke(t.Context(), tc.sel(it))
				require.NoError(t, err)
				assert.Equal(t, provider.Selected{}, again, "nothing is revoked twice")

				ts.checkControlCase(t, tc, it, descRevoked)
				if tc.name == "client of client credentials" {
					// bob's (alice's was checked before her refresh, which
					// in league mode revokes it).
					ts.assertAccessWorks(t, it.bob.AccessToken, true)
				} else {
					ts.assertAccessWorks(t, it.cc.AccessToken, false)
				}
			})
		}
	}
}

func TestExpire(t *testing.T) {
	t.Parallel()
	cases := []controlCase{
		{
			name: "access token", sel: func(it issuedTokens) provider.TokenSelector {
				return provider.TokenSelector{Token: it.alice.AccessToken}
			},
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.bob.AccessToken, it.minted.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.alice.RefreshToken) },
		},
		{
			name: "jti", sel: func(it issuedTokens) provider.TokenSelector { return provider.TokenSelector{JTI: it.minted.JTI} },
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.minted.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.minted.RefreshToken) },
		},
		{
			name: "refresh token", sel: func(it issuedTokens) provider.TokenSelector {
				return provider.TokenSelector{Token: it.alice.RefreshToken}
			},
			want:          provider.Selected{RefreshTokens: 1},
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			hitRefresh:    func(it issuedTokens) []string { return tokens(it.alice.RefreshToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.minted.RefreshToken) },
		},
		{
			// The refresh tokens survive, so the client can refresh.
			name: "username", sel: func(issuedTokens) provider.TokenSelector { return provider.TokenSelector{Username: "alice"} },
			want:          provider.Selected{AccessTokens: 2},
			hit:           func(it issuedTokens) []string { return tokens(it.alice.AccessToken, it.minted.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.bob.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.alice.RefreshToken, it.minted.RefreshToken) },
		},
		{
			name: "client of client credentials", sel: func(issuedTokens) provider.TokenSelector { return provider.TokenSelector{ClientID: svcID} },
			want:          provider.Selected{AccessTokens: 1},
			hit:           func(it issuedTokens) []string { return tokens(it.cc.AccessToken) },
			spared:        func(it issuedTokens) []string { return tokens(it.alice.AccessToken) },
			sparedRefresh: func(it issuedTokens) []string { return tokens(it.alice.RefreshToken) },
		},
		{
			name: "client of logins", sel: func(issuedTokens) provider.TokenSelector { return provider.TokenSelector{ClientID: webID} },
			want: provider.Selected{AccessTokens: 3},
			hit: func(it issuedTokens) []string {
				return tokens(it.alice.AccessToken, it.bob.AccessToken, it.minted.AccessToken)
			},
			sparedRefresh: func(it issuedTokens) []string {
				return tokens(it.alice.RefreshToken, it.bob.RefreshToken, it.minted.RefreshToken)
			},
		},
	}
	for _, mode := range controlModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t, mode.mutate)
				it := ts.issueAll(t)
				got, err := ts.p.Expire(t.Context(), tc.sel(it))
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				again, err := ts.p.Expire(t.Context(), tc.sel(it))
				require.NoError(t, err)
				assert.Equal(t, provider.Selected{}, again, "nothing is expired twice")

				ts.checkAccess(t, tc, it, descExpired)

				// Revoking an expired token still counts, and wins. (Before
				// the refreshes: in league mode a refresh revokes the access
				// token issued with the refresh token.)
				if tc.hit != nil {
					at := tc.hit(it)[0]
					n, err := ts.p.Revoke(t.Context(), provider.TokenSelector{Token: at})
					require.NoError(t, err)
					assert.Equal(t, provider.Selected{AccessTokens: 1}, n)
					ts.assertAccessFails(t, at, descRevoked)
				}
				ts.checkRefresh(t, tc, it, descExpired)
			})
		}
	}
}

// checkControlCase checks what a revoke or expire hit and spared. Spared
// refresh tokens are refreshed, and the new access token must work.
func (ts *testServer) checkControlCase(t *testing.T, tc controlCase, it issuedTokens, desc string) {
	t.Helper()
	ts.checkAccess(t, tc, it, desc)
	ts.checkRefresh(t, tc, it, desc)
}

func each(it issuedTokens, f func(issuedTokens) []string) []string {
	if f == nil {
		return nil
	}
	return f(it)
}

// checkAccess checks the access tokens a revoke or expire hit and spared.
func (ts *testServer) checkAccess(t *testing.T, tc controlCase, it issuedTokens, desc string) {
	t.Helper()
	for _, at := range each(it, tc.hit) {
		ts.assertAccessFails(t, at, desc)
	}
	for _, at := range each(it, tc.spared) {
		ts.assertAccessWorks(t, at, true)
	}
}

// checkRefresh checks the refresh tokens a revoke or expire hit and
// spared: spared ones are refreshed, and the new access token must work.
func (ts *testServer) checkRefresh(t *testing.T, tc controlCase, it issuedTokens, desc string) {
	t.Helper()
	for _, rt := range each(it, tc.hitRefresh) {
		ts.assertRefreshFails(t, rt, refreshHint(desc))
	}
	for _, rt := range each(it, tc.sparedRefresh) {
		next := ts.tokens(ts.refresh(rt), true)
		ts.assertAccessWorks(t, next.AccessToken, true)
	}
}

// TestRevokeByCutoffKillsFamilies: revoking a user is one cut-off: her
// families stay in the store as they were, and the lifecycle refuses them
// by their stamps; another user's family lives.
func TestRevokeByCutoffKillsFamilies(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	it := ts.issueAll(t)
	_, err := ts.p.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	for rt, want := range map[string]lifecycle.State{it.alice.RefreshToken: lifecycle.Revoked, it.minted.RefreshToken: lifecycle.Revoked, it.bob.RefreshToken: lifecycle.Live} {
		rec, err := ts.p.deps.Store.LookupRefresh(t.Context(), rt)
		require.NoError(t, err, "nothing was written per token")
		st, err := ts.p.life.Check(t.Context(), lifecycle.RefreshFacts(rec))
		require.NoError(t, err)
		assert.Equal(t, want, st)
	}
}

// TestTokensIssuedAfterACallWork: on a frozen clock every token has the
// same iat; a login after a revoke or expire must still work.
func TestTokensIssuedAfterACallWork(t *testing.T) {
	t.Parallel()
	for _, mode := range controlModes {
		for _, call := range []string{"revoke", "expire"} {
			t.Run(mode.name+"/"+call, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t, mode.mutate)
				old := ts.issueAll(t)
				control := ts.p.Revoke
				if call == "expire" {
					control = ts.p.Expire
				}
				for _, sel := range []provider.TokenSelector{{Username: "alice"}, {ClientID: webID}, {ClientID: svcID}} {
					_, err := control(t.Context(), sel)
					require.NoError(t, err)
				}
				require.Equal(t, t0, ts.clk.Now(), "the clock has not moved")
				desc := descRevoked
				if call == "expire" {
					desc = descExpired
				}
				ts.assertAccessFails(t, old.alice.AccessToken, desc)

				fresh := ts.issueAll(t)
				for _, at := range []string{fresh.alice.AccessToken, fresh.bob.AccessToken, fresh.minted.AccessToken} {
					ts.assertAccessWorks(t, at, true)
				}
				ts.assertAccessWorks(t, fresh.cc.AccessToken, false)
				next := ts.tokens(ts.refresh(fresh.alice.RefreshToken), true)
				ts.assertAccessWorks(t, next.AccessToken, true)
				ts.tokens(ts.refresh(fresh.minted.RefreshToken), true)
			})
		}
	}
}

func TestControlUnknownTokens(t *testing.T) {
	t.Parallel()
	for _, mode := range controlModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			it := ts.issueAll(t)
			short, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: svcID, TTLSeconds: 60})
			require.NoError(t, err)
			retired := it.alice.RefreshToken
			ts.tokens(ts.refresh(retired), true)
			rec, err := ts.p.deps.Store.LookupRefresh(t.Context(), it.minted.RefreshToken)
			require.NoError(t, err)
			family := rec.Grant.FamilyID // 32 hex characters, as a jti
			require.Len(t, family, 32)
			ts.clk.Advance(time.Minute) // short is now past its exp, and forgotten

			tampered := it.alice.AccessToken + "x"
			if mode.name == "jwt" {
				// A valid-looking JWS whose signature does not verify.
				parts := strings.Split(it.alice.AccessToken, ".")
				tampered = parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
			}
			unknown := []provider.TokenSelector{
				{Token: "not-a-token"},
				{Token: "a.b.c"},
				{Token: tampered},
				{Token: strings.Repeat("x", maxTokenLen+1)},
				{Token: retired},
				{Token: short.AccessToken},
				{JTI: short.JTI},
				{JTI: "0123456789abcdef0123456789abcdef"},
				{JTI: strings.Repeat("0123456789abcdef", 5)}, // 80, a made-up stamp
				{JTI: strings.Repeat("A", 80)},               // not lowercase hex
				{JTI: family},                                // a jti names an access token only
			}
			for _, sel := range unknown {
				_, err := ts.p.Revoke(t.Context(), sel)
				assert.ErrorIs(t, err, provider.ErrUnknownToken, "revoke %+v", sel)
				_, err = ts.p.Expire(t.Context(), sel)
				assert.ErrorIs(t, err, provider.ErrUnknownToken, "expire %+v", sel)
			}

			for _, sel := range []provider.TokenSelector{{Username: "nobody"}, {ClientID: "nobody"}, {ClientID: limitedID}, {Username: "carol"}} {
				n, err := ts.p.Revoke(t.Context(), sel)
				require.NoError(t, err, "revoke %+v", sel)
				assert.Equal(t, provider.Selected{}, n)
				n, err = ts.p.Expire(t.Context(), sel)
				require.NoError(t, err, "expire %+v", sel)
				assert.Equal(t, provider.Selected{}, n)
			}

			for _, sel := range []provider.TokenSelector{{}, {Username: "alice", ClientID: webID}, {Token: it.alice.AccessToken, JTI: it.minted.JTI}} {
				_, err := ts.p.Revoke(t.Context(), sel)
				require.Error(t, err)
				assert.NotErrorIs(t, err, provider.ErrUnknownToken)
				assert.EqualError(t, err, sel.Validate().Error())
				_, err = ts.p.Expire(t.Context(), sel)
				assert.EqualError(t, err, sel.Validate().Error())
			}
			// None of that touched a live token (bob's: alice's went with
			// her refresh).
			ts.assertAccessWorks(t, it.bob.AccessToken, true)
		})
	}
}

// TestLifecycleStamps: every path stamps its tokens under the ids the
// admin API is told, with the username (not the accountId), the client and
// the token's own expiry; a family keeps its stamp through rotations.
func TestLifecycleStamps(t *testing.T) {
	t.Parallel()
	for _, mode := range controlModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			type stamp struct {
				Kind             lifecycle.Kind
				Username, Client string
				Expires          int64
			}
			stampOf := func(token string) stamp {
				f, err := ts.p.resolveToken(t.Context(), token)
				require.NoError(t, err)
				return stamp{f.Kind, f.Username, f.ClientID, f.ExpiresAt.Unix()}
			}
			minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice", TTLSeconds: 60})
			require.NoError(t, err)
			require.Len(t, minted.JTI, 80, "MintResult.JTI is the token's jti")
			_, _, _, ok := lifecycle.ParseJTI(minted.JTI[:32])
			assert.True(t, ok, "the first 32 characters are the lifecycle's stamp")
			if mode.name == "jwt" {
				_, claims := decodeJWT(t, minted.AccessToken)
				assert.Equal(t, claims["jti"], minted.JTI, "MintResult.JTI is the jti")
			}
			assert.Equal(t, stamp{lifecycle.Access, "alice", webID, t0.Add(time.Minute).Unix()}, stampOf(minted.AccessToken))
			ccMinted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: svcID})
			require.NoError(t, err)
			assert.Equal(t, stamp{lifecycle.Access, "", svcID, t0.Add(time.Hour).Unix()}, stampOf(ccMinted.AccessToken), "client credentials: no username")

			first, err := ts.p.deps.Store.LookupRefresh(t.Context(), minted.RefreshToken)
			require.NoError(t, err)
			assert.Equal(t, stamp{lifecycle.Refresh, "alice", webID, t0.Add(30 * 24 * time.Hour).Unix()}, stampOf(minted.RefreshToken))
			ts.clk.Advance(time.Hour)
			next := ts.tokens(ts.refresh(minted.RefreshToken), true)
			rotated, err := ts.p.deps.Store.LookupRefresh(t.Context(), next.RefreshToken)
			require.NoError(t, err)
			assert.Equal(t, first.Grant.FamilyID, rotated.Grant.FamilyID, "one family")
			assert.Equal(t, first.Grant.Seq, rotated.Grant.Seq, "one stamp")
			assert.Equal(t, stamp{lifecycle.Refresh, "alice", webID, t0.Add(time.Hour + 30*24*time.Hour).Unix()}, stampOf(next.RefreshToken))
			assert.Len(t, rotated.Access, 1, "the minted access token expired; the refreshed one joined the family")

			ts.codeFlow(url.Values{"login_hint": {"bob"}})
			ts.clientToken()
			n, err := ts.p.Revoke(t.Context(), provider.TokenSelector{Username: "bob"})
			require.NoError(t, err)
			assert.Equal(t, provider.Selected{AccessTokens: 1, RefreshTokens: 1}, n, "the code grant stamps an access and a refresh token")
			n, err = ts.p.Revoke(t.Context(), provider.TokenSelector{ClientID: svcID})
			require.NoError(t, err)
			assert.Equal(t, provider.Selected{AccessTokens: 1}, n, "the fresh client-credentials token; the minted one has expired")
		})
	}
}

// TestAdminExpiredRefreshDiesBeforeRotation: an expired refresh token is
// refused without being rotated, so presenting it again is the same error
// and not a reuse.
func TestAdminExpiredRefreshDiesBeforeRotation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	_, err := ts.p.Expire(t.Context(), provider.TokenSelector{Token: tok.RefreshToken})
	require.NoError(t, err)
	ts.assertRefreshFails(t, tok.RefreshToken, "Token has expired")
	_, err = ts.p.deps.Store.LookupRefresh(t.Context(), tok.RefreshToken)
	assert.NoError(t, err, "still the family's live token in the store: not rotated")
	ts.assertAccessWorks(t, tok.AccessToken, true)
	// A refresh token of another client is still that error first.
	resp := ts.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {limitedID}, "client_secret": {limitedSecret}, "refresh_token": {tok.RefreshToken}})
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, tmRefresh("Token is not linked to client"), resp.String())
}

// TestRevokeTokenOfDeletedUser: the admin API names a JWT whose user was
// deleted since. The token's sub no longer names a user, so its facts
// carry no username; reading them must not call back into the lifecycle,
// whose lock the admin call holds (it deadlocked).
func TestRevokeTokenOfDeletedUser(t *testing.T) {
	t.Parallel()
	for _, mode := range controlModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			ts.put(t, "users", "dave", `{"password":"`+davePassword+`","subject":"`+daveID+`"}`)
			minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "dave"})
			require.NoError(t, err)
			require.NoError(t, ts.p.editor.DeleteFixture(t.Context(), "users", "dave"))

			done := make(chan error, 1)
			go func() {
				_, err := ts.p.Revoke(context.Background(), provider.TokenSelector{Token: minted.AccessToken})
				done <- err
			}()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Fatal("the revoke never returned: the lifecycle's lock is held twice")
			}
			ts.assertAccessFails(t, minted.AccessToken, descRevoked)
			n, err := ts.p.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
			require.NoError(t, err, "the lifecycle still answers")
			assert.Equal(t, provider.Selected{}, n, "alice has no tokens")
		})
	}
}
