package fastapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

func (ts *testServer) logout(access string) response {
	ts.tb.Helper()
	return ts.do(request(http.MethodPost, PathLogout, "", "", map[string]string{"Authorization": "Bearer " + access}))
}

// pairRefresh is /auth/jwt/refresh with both headers, as
// refresh_requires_access_token wants them.
func (ts *testServer) pairRefresh(tok tokens) response {
	ts.tb.Helper()
	return ts.do(request(http.MethodPost, PathRefresh, "", "", map[string]string{"Authorization": "Bearer " + tok.AccessToken, "refresh-token": tok.RefreshToken}))
}

// jti is the ledger id the access token's session names.
func (ts *testServer) jti(access string) string {
	ts.tb.Helper()
	s, found, err := ts.p.lookupSession(context.Background(), access)
	require.NoError(ts.tb, err)
	require.True(ts.tb, found, "no session for the access token")
	require.NotEmpty(ts.tb, s.ID)
	return s.ID
}

// selector names alice's tokens tok in one of the four ways.
func (ts *testServer) selector(kind string, tok tokens) provider.TokenSelector {
	ts.tb.Helper()
	switch kind {
	case "access token":
		return provider.TokenSelector{Token: tok.AccessToken}
	case "jti":
		return provider.TokenSelector{JTI: ts.jti(tok.AccessToken)}
	case "refresh token":
		return provider.TokenSelector{Token: tok.RefreshToken}
	case "username":
		return provider.TokenSelector{Username: aliceEmail}
	}
	ts.tb.Fatalf("no selector %q", kind)
	return provider.TokenSelector{}
}

// assertAccessFails checks every route that verifies an access token.
func assertAccessFails(t *testing.T, ts *testServer, access string) {
	t.Helper()
	for name, resp := range map[string]response{"users/me": ts.me(access), "logout": ts.logout(access)} {
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, bodyUnauthorized, resp.body, name)
	}
}

func assertAccessWorks(t *testing.T, ts *testServer, access string) {
	t.Helper()
	resp := ts.me(access)
	assert.Equal(t, http.StatusOK, resp.status, resp.body)
}

// assertRefreshFails checks both refresh routes (the Postman one in both
// spellings) without using the token up.
func assertRefreshFails(t *testing.T, ts *testServer, refresh string) {
	t.Helper()
	for name, resp := range map[string]response{
		"refresh":          ts.refreshResp(refresh),
		"postman-refresh":  ts.postmanResp(aliceID, refresh),
		"postman_refresh":  ts.postForm(PathPostmanRefreshCode, map[string][]string{"refresh_token": {refresh}, "grant_type": {"refresh_token"}}, map[string]string{"Authorization": basic(aliceID + ":")}),
		"refresh (repeat)": ts.refreshResp(refresh),
	} {
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, bodyRefreshExpired, resp.body, name)
	}
}

// TestRevoke: each selector, in both token formats, gives the dialect's own
// errors afterwards on every verification path; bob's tokens are untouched;
// and alice's next login, in the same second on the frozen clock (the same
// JWT string), works.
func TestRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sel  string
		want provider.Selected
		// accessDies and refreshDies: whether the selector names alice's
		// access and refresh tokens.
		accessDies, refreshDies bool
	}{
		{"access token", provider.Selected{AccessTokens: 1}, true, false},
		{"jti", provider.Selected{AccessTokens: 1}, true, false},
		{"refresh token", provider.Selected{RefreshTokens: 1}, false, true},
		{"username", provider.Selected{AccessTokens: 1, RefreshTokens: 1}, true, true},
	}
	for _, format := range []string{FormatJWT, FormatOpaque} {
		for _, tc := range tests {
			t.Run(format+"/"+tc.sel, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t, func(c *Config) { c.TokenFormat = format })
				tok := ts.login(aliceEmail, alicePassword)
				bob := ts.login(bobEmail, bobPassword)

				got, err := ts.p.life.Revoke(t.Context(), ts.selector(tc.sel, tok))
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)

				if tc.accessDies {
					assertAccessFails(t, ts, tok.AccessToken)
				} else {
					assertAccessWorks(t, ts, tok.AccessToken)
				}
				if tc.refreshDies {
					assertRefreshFails(t, ts, tok.RefreshToken)
					rec, err := ts.p.deps.Store.LookupRefresh(t.Context(), tok.RefreshToken)
					if err == nil { // a cut-off leaves the store alone
						st, err := ts.p.life.Check(t.Context(), lifecycle.RefreshFacts(rec))
						require.NoError(t, err)
						assert.Equal(t, lifecycle.Revoked, st)
					} else {
						assert.ErrorIs(t, err, store.ErrRevoked, "a revoked family is revoked in the store too")
					}
				} else {
					ts.tokens(ts.refreshResp(tok.RefreshToken))
				}
				assertAccessWorks(t, ts, bob.AccessToken)
				ts.tokens(ts.refreshResp(bob.RefreshToken))

				again := ts.login(aliceEmail, alicePassword)
				if format == FormatJWT {
					assert.Equal(t, tok.AccessToken, again.AccessToken, "the frozen clock repeats the JWT")
				}
				assertAccessWorks(t, ts, again.AccessToken)
				ts.tokens(ts.refreshResp(again.RefreshToken))
				assert.Equal(t, http.StatusNoContent, ts.logout(again.AccessToken).status)
			})
		}
	}
}

// TestRevokeUserEverywhere: a user's revocation reaches every device and
// every token of a rotated family, as reuse detection does.
func TestRevokeUserEverywhere(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	first := ts.login(aliceEmail, alicePassword)
	ts.clk.Advance(time.Second)
	device2 := ts.login(aliceEmail, alicePassword)
	ts.clk.Advance(time.Second)
	rotated := ts.tokens(ts.refreshResp(first.RefreshToken))

	got, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 3, RefreshTokens: 2}, got)
	assert.Equal(t, lifecycle.Revoked, ts.accessState(t, device2.AccessToken), "one cut-off, as reuse detection makes")
	for _, access := range []string{first.AccessToken, device2.AccessToken, rotated.AccessToken} {
		assertAccessFails(t, ts, access)
	}
	for _, refresh := range []string{device2.RefreshToken, rotated.RefreshToken} {
		assertRefreshFails(t, ts, refresh)
	}

	again, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, again, "nothing live is left to revoke")
}

// TestRevokeWithPairedRefresh: with refresh_requires_access_token, a
// revoked access token is refused where refresh asks for it, as a deleted
// one is ("Invalid Access token"); an expired one still pairs, as one past
// its exp does.
func TestRevokeWithPairedRefresh(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshRequiresAccessToken = true })
	tok := ts.login(aliceEmail, alicePassword)
	bob := ts.login(bobEmail, bobPassword)

	_, err := ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assertAccessFails(t, ts, tok.AccessToken)
	next := ts.tokens(ts.pairRefresh(tok))
	assertAccessWorks(t, ts, next.AccessToken)

	_, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: bob.AccessToken})
	require.NoError(t, err)
	resp := ts.pairRefresh(bob)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, bodyInvalidAccess, resp.body)

	ts.clk.Advance(2 * time.Hour) // past the access token's exp: the ledger still knows it
	resp = ts.pairRefresh(bob)
	assert.JSONEq(t, bodyInvalidAccess, resp.body)

	// Revoking a token that was expired makes it refuse to pair too.
	_, err = ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	got, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: next.AccessToken})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, got)
	resp = ts.pairRefresh(next)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, bodyInvalidAccess, resp.body)
}

// TestExpire: each selector makes the access token fail with the expired
// token's answer, leaves the refresh token working (unless it is the one
// named), and a token issued afterwards on the frozen clock works.
func TestExpire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sel         string
		want        provider.Selected
		refreshDies bool
	}{
		{"access token", provider.Selected{AccessTokens: 1}, false},
		{"jti", provider.Selected{AccessTokens: 1}, false},
		{"username", provider.Selected{AccessTokens: 1}, false},
		{"refresh token", provider.Selected{RefreshTokens: 1}, true},
	}
	for _, format := range []string{FormatJWT, FormatOpaque} {
		for _, tc := range tests {
			t.Run(format+"/"+tc.sel, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t, func(c *Config) { c.TokenFormat = format })
				tok := ts.login(aliceEmail, alicePassword)
				bob := ts.login(bobEmail, bobPassword)

				got, err := ts.p.life.Expire(t.Context(), ts.selector(tc.sel, tok))
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assertAccessWorks(t, ts, bob.AccessToken)

				if tc.refreshDies {
					assertAccessWorks(t, ts, tok.AccessToken)
					assertRefreshFails(t, ts, tok.RefreshToken)
					return
				}
				assertAccessFails(t, ts, tok.AccessToken)
				// The refresh path still works, and what it issues works,
				// though the frozen clock gives the JWT string just expired.
				next := ts.tokens(ts.refreshResp(tok.RefreshToken))
				if format == FormatJWT {
					assert.Equal(t, tok.AccessToken, next.AccessToken)
				}
				assertAccessWorks(t, ts, next.AccessToken)
				ts.tokens(ts.postmanResp(aliceID, next.RefreshToken))
				again := ts.login(aliceEmail, alicePassword)
				assertAccessWorks(t, ts, again.AccessToken)
			})
		}
	}
}

// TestRevokeAfterExpire: expiring an expired token changes nothing and
// counts nothing; revoking it makes it revoked, and counts it.
func TestRevokeAfterExpire(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	got, err := ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, got)
	got, err = ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, got, "already expired")
	got, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1, RefreshTokens: 1}, got, "revoking upgrades an expired token")
	assert.Equal(t, lifecycle.Revoked, ts.accessState(t, tok.AccessToken))
	got, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, got, "already revoked")
	assertAccessFails(t, ts, tok.AccessToken)
	assertRefreshFails(t, ts, tok.RefreshToken)
}

// TestSameStringSharesJTI: two mints of one user in one second give the
// same JWT, so the same jti; revoking it kills the string, and the next
// mint gets a fresh jti and works.
func TestSameStringSharesJTI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	a, err := ts.p.Mint(t.Context(), provider.MintRequest{Username: aliceEmail})
	require.NoError(t, err)
	b, err := ts.p.Mint(t.Context(), provider.MintRequest{Username: aliceEmail})
	require.NoError(t, err)
	require.Equal(t, a.AccessToken, b.AccessToken)
	_, _, _, ok := lifecycle.ParseJTI(a.JTI)
	assert.True(t, ok, "the jti is the lifecycle's stamp")
	assert.Equal(t, a.JTI, b.JTI)

	got, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{JTI: a.JTI})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, got)
	assertAccessFails(t, ts, a.AccessToken)
	// The refresh token still refreshes, and the string it issues again
	// (the same second) works.
	ts.tokens(ts.refreshResp(a.RefreshToken))
	assertAccessWorks(t, ts, a.AccessToken)

	c, err := ts.p.Mint(t.Context(), provider.MintRequest{Username: aliceEmail})
	require.NoError(t, err)
	require.Equal(t, a.AccessToken, c.AccessToken)
	assert.NotEqual(t, a.JTI, c.JTI)
	assertAccessWorks(t, ts, c.AccessToken)
	_, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{JTI: a.JTI})
	require.NoError(t, err)
	assertAccessWorks(t, ts, c.AccessToken)
}

// TestLifecycleStampsEveryIssuance: login, both refresh routes and Mint
// each stamp their access token, and the refresh family keeps its stamp
// and follows the expiry of its latest token, under the user's email.
func TestLifecycleStampsEveryIssuance(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatJWT, FormatOpaque} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, func(c *Config) { c.TokenFormat = format })
			ctx := t.Context()
			login := ts.login(aliceEmail, alicePassword)
			first, err := ts.p.deps.Store.LookupRefresh(ctx, login.RefreshToken)
			require.NoError(t, err)
			ts.clk.Advance(time.Second)
			refreshed := ts.tokens(ts.refreshResp(login.RefreshToken))
			ts.clk.Advance(time.Second)
			postman := ts.tokens(ts.postmanResp(aliceID, refreshed.RefreshToken))
			ts.clk.Advance(time.Second)
			minted, err := ts.p.Mint(ctx, provider.MintRequest{Username: aliceID, TTLSeconds: 60})
			require.NoError(t, err)
			assert.Equal(t, ts.jti(minted.AccessToken), minted.JTI)

			for i, access := range []string{login.AccessToken, refreshed.AccessToken, postman.AccessToken} {
				f := ts.sessionFacts(t, access)
				assert.Equal(t, aliceEmail, f.Username)
				assert.Equal(t, t0.Add(time.Duration(i)*time.Second+time.Hour).Unix(), f.ExpiresAt.Unix())
			}
			assert.Equal(t, t0.Add(3*time.Second+time.Minute).Unix(), ts.sessionFacts(t, minted.AccessToken).ExpiresAt.Unix())
			latest, err := ts.p.deps.Store.LookupRefresh(ctx, postman.RefreshToken)
			require.NoError(t, err)
			assert.NotZero(t, first.Grant.Seq)
			assert.Equal(t, first.Grant.Seq, latest.Grant.Seq, "a family keeps its stamp through rotations")
			assert.Equal(t, aliceEmail, latest.Grant.Username)
			assert.Equal(t, t0.Add(2*time.Second+7*24*time.Hour), latest.ExpiresAt, "the family's expiry follows its rotations")

			got, err := ts.p.life.Revoke(ctx, provider.TokenSelector{Username: aliceEmail})
			require.NoError(t, err)
			assert.Equal(t, provider.Selected{AccessTokens: 4, RefreshTokens: 2}, got)
			assertRefreshFails(t, ts, minted.RefreshToken)
			assertAccessFails(t, ts, minted.AccessToken)
		})
	}
}

// sessionFacts are the lifecycle's facts of an access token's session.
func (ts *testServer) sessionFacts(t testing.TB, access string) lifecycle.Facts {
	t.Helper()
	s, found, err := ts.p.lookupSession(t.Context(), access)
	require.NoError(t, err)
	require.True(t, found)
	return s.facts()
}

// accessState is what the lifecycle says of an access token.
func (ts *testServer) accessState(t testing.TB, access string) lifecycle.State {
	t.Helper()
	st, err := ts.p.life.Check(t.Context(), ts.sessionFacts(t, access))
	require.NoError(t, err)
	return st
}

// TestNeverExpiringRefresh: with refresh_token_ttl 0 the family never
// expires, and with refresh_requires_access_token the access token can be
// acted on (and its marks last) as long as its session, for ever.
func TestNeverExpiringRefresh(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshTokenTTL = 0; c.RefreshRequiresAccessToken = true })
	tok := ts.login(aliceEmail, alicePassword)
	rec, err := ts.p.deps.Store.LookupRefresh(t.Context(), tok.RefreshToken)
	require.NoError(t, err)
	assert.True(t, rec.ExpiresAt.IsZero())
	ts.clk.Advance(10 * 365 * 24 * time.Hour)
	got, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: tok.AccessToken})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, got, "years past its exp, the token still pairs, so it can be revoked")
	resp := ts.pairRefresh(tok)
	assert.JSONEq(t, bodyInvalidAccess, resp.body)
}

func TestRevokeExpireUnknownAndBadSelectors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	other := newTestServer(t, func(c *Config) { c.Keys[0].Builtin = ""; c.Keys[0].Secret = "another-secret-of-32-bytes-length!!" })
	foreign := other.login(bobEmail, bobPassword)
	used := ts.login(bobEmail, bobPassword)
	ts.tokens(ts.refreshResp(used.RefreshToken))

	type call func(context.Context, provider.TokenSelector) (provider.Selected, error)
	for name, fn := range map[string]call{"revoke": ts.p.life.Revoke, "expire": ts.p.life.Expire} {
		t.Run(name, func(t *testing.T) {
			for _, sel := range []provider.TokenSelector{
				{Token: "garbage"},
				{Token: foreign.AccessToken},
				{Token: foreign.RefreshToken},
				{JTI: "no-such-jti"},
				{JTI: ts.p.lookupFamily(t, tok.RefreshToken)}, // a family id is no jti
			} {
				_, err := fn(t.Context(), sel)
				assert.ErrorIs(t, err, provider.ErrUnknownToken, "%+v", sel)
			}
			for _, sel := range []provider.TokenSelector{{}, {Username: aliceEmail, JTI: "x"}, {Token: tok.AccessToken, Username: aliceEmail}} {
				_, err := fn(t.Context(), sel)
				require.Error(t, err, "%+v", sel)
				assert.NotErrorIs(t, err, provider.ErrUnknownToken)
			}
			for _, sel := range []provider.TokenSelector{
				{Username: "nobody@example.com"},
				{Username: aliceID}, // users are selected by email
				{ClientID: "web"},   // there are no clients
				{Token: used.RefreshToken},
			} {
				got, err := fn(t.Context(), sel)
				require.NoError(t, err, "%+v", sel)
				assert.Equal(t, provider.Selected{}, got, "%+v", sel)
			}
		})
	}
	assertAccessWorks(t, ts, tok.AccessToken)
	ts.tokens(ts.refreshResp(tok.RefreshToken))

	// A token past its exp is forgotten with its session.
	ts.clk.Advance(time.Hour + time.Second)
	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: tok.AccessToken})
	assert.ErrorIs(t, err, provider.ErrUnknownToken)
}

// TestRevokeChecksAfterValidity: revocation changes nothing for tokens that
// are invalid anyway: garbage keeps its own answers.
func TestRevokeChecksAfterValidity(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	assert.JSONEq(t, bodyInvalidRefresh, ts.refreshResp(tok.AccessToken).body)
	assert.JSONEq(t, bodyInvalidRefresh, ts.refreshResp("garbage").body)
	assert.JSONEq(t, bodyInvalidAccess, ts.postmanResp(aliceID, "garbage").body)
	resp := ts.postmanResp(bobEmail, tok.RefreshToken)
	assert.JSONEq(t, bodyRefreshExpired, resp.body, "a revoked token is expired before its client id is judged, as a reused one")
}

func TestFixtureKinds(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	assert.Equal(t, []string{"users"}, ts.p.editor.FixtureKinds())
	_, err := ts.p.editor.ListFixtures(ctx, "clients")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
	_, err = ts.p.editor.GetFixture(ctx, "clients", "web")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
	_, err = ts.p.editor.PutFixture(ctx, "clients", "web", json.RawMessage(`{"secret":"s"}`))
	assert.ErrorIs(t, err, provider.ErrNoFixture)
	assert.ErrorIs(t, ts.p.editor.DeleteFixture(ctx, "clients", "web"), provider.ErrNoFixture)

	users, err := ts.p.editor.ListFixtures(ctx, "users")
	require.NoError(t, err)
	require.Len(t, users, 3)
	assert.JSONEq(t, `{"username":"alice@example.com","password":"alice-password-Qw1","subject":"64b7f3a2c9e1d4f5a6b7c8d9","claims":{"is_verified":true,"is_superuser":true}}`, string(users[0]))
	assert.JSONEq(t, `{"username":"bob@example.com","password":"bob-password-Er2","subject":"`+deriveID(bobEmail)+`"}`, string(users[1]))
	got, err := ts.p.editor.GetFixture(ctx, "users", carolEmail)
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"carol@example.com","password":"carol-password-Ty3","subject":"`+deriveID(carolEmail)+`","disabled":true,"claims":{"is_verified":true}}`, string(got))
	_, err = ts.p.editor.GetFixture(ctx, "users", "nobody@example.com")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
	assert.ErrorIs(t, ts.p.editor.DeleteFixture(ctx, "users", "nobody@example.com"), provider.ErrNoFixture)
}

// TestFixtureEffects: a new user logs in with the derived account id, a
// changed password and flags take effect on the next request, a deleted
// user can no longer log in and its tokens fail, and Reset restores the
// configured users.
func TestFixtureEffects(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	const dan = "dan@example.com"

	created, err := ts.p.editor.PutFixture(ctx, "users", dan, json.RawMessage(`{"password":"dan-pw","claims":{"is_verified":true}}`))
	require.NoError(t, err)
	assert.True(t, created)
	tok := ts.login(dan, "dan-pw")
	assert.JSONEq(t, `{"id":"`+deriveID(dan)+`","email":"dan@example.com","is_active":true,"is_superuser":false,"is_verified":true}`, ts.me(tok.AccessToken).body)
	got, err := ts.p.editor.GetFixture(ctx, "users", dan)
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"dan@example.com","password":"dan-pw","subject":"`+deriveID(dan)+`","claims":{"is_verified":true}}`, string(got))

	created, err = ts.p.editor.PutFixture(ctx, "users", dan, json.RawMessage(`{"username":"dan@example.com","password":"dan-new-pw","subject":"acc-dan","claims":{"is_superuser":true}}`))
	require.NoError(t, err)
	assert.False(t, created)
	assert.JSONEq(t, bodyBadCredentials, ts.loginResp(dan, "dan-pw").body, "the old password no longer works")
	tok2 := ts.login(dan, "dan-new-pw")
	assert.JSONEq(t, `{"id":"acc-dan","email":"dan@example.com","is_active":true,"is_superuser":true,"is_verified":false}`, ts.me(tok2.AccessToken).body)
	assert.JSONEq(t, bodyUnauthorized, ts.me(tok.AccessToken).body, "the old account id is gone")

	_, err = ts.p.editor.PutFixture(ctx, "users", aliceEmail, json.RawMessage(`{"password":"alice-password-Qw1","subject":"64b7f3a2c9e1d4f5a6b7c8d9","disabled":true}`))
	require.NoError(t, err)
	assert.JSONEq(t, bodyBadCredentials, ts.loginResp(aliceEmail, alicePassword).body, "an inactive user cannot log in")

	require.NoError(t, ts.p.editor.DeleteFixture(ctx, "users", dan))
	assert.JSONEq(t, bodyBadCredentials, ts.loginResp(dan, "dan-new-pw").body)
	assertAccessFails(t, ts, tok2.AccessToken)
	resp := ts.refreshResp(tok2.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, bodyRefreshExpired, resp.body, "deleting a user revokes its tokens")
	// Coming back does not revive them.
	_, err = ts.p.editor.PutFixture(ctx, "users", dan, json.RawMessage(`{"password":"dan-new-pw","subject":"acc-dan"}`))
	require.NoError(t, err)
	assertAccessFails(t, ts, tok2.AccessToken)
	assert.JSONEq(t, bodyRefreshExpired, ts.refreshResp(tok2.RefreshToken).body)
	assertAccessWorks(t, ts, ts.login(dan, "dan-new-pw").AccessToken)

	require.NoError(t, ts.p.Reset(ctx))
	require.NoError(t, ts.backend.Reset(ctx, "fastapi"))
	assert.JSONEq(t, bodyBadCredentials, ts.loginResp(dan, "dan-new-pw").body, "reset forgets added users")
	assertAccessWorks(t, ts, ts.login(aliceEmail, alicePassword).AccessToken)
	users, err := ts.p.editor.ListFixtures(ctx, "users")
	require.NoError(t, err)
	assert.Len(t, users, 3)
}

// TestFixtureRefusals: bad items are refused with every problem, paths
// relative to the item, and change nothing.
func TestFixtureRefusals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	before, err := ts.p.editor.ListFixtures(ctx, "users")
	require.NoError(t, err)
	tests := []struct {
		name, id, item string
		want           fixtures.Problems
	}{
		{"flags not booleans", bobEmail, `{"password":"x","claims":{"is_verified":"yes","is_superuser":1}}`, fixtures.Problems{
			{Path: "claims.is_verified", Message: "must be true or false"},
			{Path: "claims.is_superuser", Message: "must be true or false"},
		}},
		{"username not the path's", bobEmail, `{"username":"robert@example.com","password":"x"}`, fixtures.Problems{
			{Path: "username", Message: `is "robert@example.com" but the path names "bob@example.com"`},
		}},
		{"account id taken", "eve@example.com", `{"password":"x","subject":"64b7f3a2c9e1d4f5a6b7c8d9"}`, fixtures.Problems{
			{Path: "subject", Message: `subject "64b7f3a2c9e1d4f5a6b7c8d9" belongs to user "alice@example.com"`},
		}},
		{"derived account id taken", "eve@example.com", `{"password":"x","subject":"` + deriveID(bobEmail) + `"}`, fixtures.Problems{
			{Path: "subject", Message: `subject "` + deriveID(bobEmail) + `" belongs to user "bob@example.com"`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.p.editor.PutFixture(ctx, "users", tc.id, json.RawMessage(tc.item))
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.want, fe.Problems)
		})
	}
	for name, item := range map[string]string{
		"unknown member": `{"password":"x","is_active":true}`,
		"not an object":  `["x"]`,
		"two values":     `{"password":"x"} {}`,
	} {
		_, err := ts.p.editor.PutFixture(ctx, "users", bobEmail, json.RawMessage(item))
		var fe *provider.FixtureError
		require.ErrorAs(t, err, &fe, name)
		assert.NotEmpty(t, fe.Problems, name)
	}
	after, err := ts.p.editor.ListFixtures(ctx, "users")
	require.NoError(t, err)
	assert.Equal(t, before, after)
	ts.login(bobEmail, bobPassword)
	assert.JSONEq(t, bodyBadCredentials, ts.loginResp("eve@example.com", "x").body)
}

// TestConcurrentRevokeAndIssuance runs logins, refreshes, mints, revokes,
// expires and fixture changes of one user at once (for -race); afterwards a
// login works, and a revoke then catches every token issued before it.
func TestConcurrentRevokeAndIssuance(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, 8*n)
	issued := make(chan tokens, 2*n)
	for i := range n {
		wg.Add(5)
		go func() {
			defer wg.Done()
			resp := ts.loginResp(aliceEmail, alicePassword)
			if resp.status != http.StatusOK {
				errs <- fmt.Errorf("login: %d %s", resp.status, resp.body)
				return
			}
			var tok tokens
			if err := json.Unmarshal([]byte(resp.body), &tok); err != nil {
				errs <- err
				return
			}
			issued <- tok
			if resp := ts.refreshResp(tok.RefreshToken); resp.status != http.StatusOK && resp.status != http.StatusUnauthorized {
				errs <- fmt.Errorf("refresh: %d %s", resp.status, resp.body)
			}
		}()
		go func() {
			defer wg.Done()
			res, err := ts.p.Mint(ctx, provider.MintRequest{Username: aliceEmail, TTLSeconds: int64(60 + i)})
			if err != nil {
				errs <- err
				return
			}
			issued <- tokens{AccessToken: res.AccessToken, RefreshToken: res.RefreshToken}
		}()
		go func() {
			defer wg.Done()
			if _, err := ts.p.life.Revoke(ctx, provider.TokenSelector{Username: aliceEmail}); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := ts.p.life.Expire(ctx, provider.TokenSelector{Username: aliceEmail}); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			dan := fmt.Sprintf("dan%d@example.com", i)
			if _, err := ts.p.editor.PutFixture(ctx, "users", dan, json.RawMessage(`{"password":"pw"}`)); err != nil {
				errs <- err
				return
			}
			if err := ts.p.editor.DeleteFixture(ctx, "users", dan); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(issued)
	for err := range errs {
		assert.NoError(t, err)
	}

	_, err := ts.p.life.Revoke(ctx, provider.TokenSelector{Username: aliceEmail})
	require.NoError(t, err)
	for tok := range issued {
		assertAccessFails(t, ts, tok.AccessToken)
	}
	after := ts.login(aliceEmail, alicePassword)
	assertAccessWorks(t, ts, after.AccessToken)
	ts.tokens(ts.refreshResp(after.RefreshToken))
}

func (p *Provider) lookupFamily(t *testing.T, refresh string) string {
	t.Helper()
	rec, err := p.deps.Store.LookupRefresh(t.Context(), refresh)
	require.NoError(t, err)
	return rec.Grant.FamilyID
}
