package oidc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// The error descriptions the admin API's revoke and expire produce: the
// dialect's own, unchanged.
const (
	accessRevoked = "the access token has been revoked"
	accessExpired = "the access token expired"
)

// adminWorld is a set of tokens of several users, clients and grants, for
// the admin revoke and expire tests. Names are "<grant>.at" and
// "<grant>.rt".
type adminWorld struct {
	ts *testServer
	// tokens by name; secrets[name] is the client that may refresh it.
	tokens map[string]string
	owner  map[string][2]string
}

// newAdminWorld issues, on a fresh server:
//   - alice1: web, authorization code (access and refresh token);
//   - alice2: web, password grant, then refreshed once (alice2.at is the
//     first access token, alice2r.at the second; alice2r.rt the live
//     refresh token);
//   - bob: partner, password grant;
//   - svc: service, client credentials (no refresh token, no user).
func newAdminWorld(t *testing.T) *adminWorld {
	t.Helper()
	ts := newTestServer(t, nil)
	w := &adminWorld{ts: ts, tokens: map[string]string{}, owner: map[string][2]string{}}
	add := func(name string, tok tokenSet, id, secret string) {
		w.tokens[name+".at"] = tok.AccessToken
		if tok.RefreshToken != "" {
			w.tokens[name+".rt"] = tok.RefreshToken
			w.owner[name+".rt"] = [2]string{id, secret}
		}
	}
	add("alice1", ts.codeFlow(nil), webID, webSecret)
	alice2 := ts.passwordTokens("alice", alicePassword, "openid profile")
	w.tokens["alice2.at"] = alice2.AccessToken
	add("alice2r", ts.tokens(ts.refresh(alice2.RefreshToken, nil)), webID, webSecret)
	add("bob", ts.tokens(ts.postForm(PathToken, url.Values{
		"grant_type": {"password"}, "username": {"bob"}, "password": {bobPassword}, "scope": {"openid"},
	}, partnerID, partnerSecret)), partnerID, partnerSecret)
	add("svc", ts.tokens(ts.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret)), "", "")
	return w
}

func (w *adminWorld) names() []string {
	return []string{"alice1.at", "alice1.rt", "alice2.at", "alice2r.at", "alice2r.rt", "bob.at", "bob.rt", "svc.at"}
}

// refresh presents a refresh token as the client it was issued to.
func (w *adminWorld) refresh(name string) response {
	w.ts.tb.Helper()
	o := w.owner[name]
	return w.ts.postForm(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {w.tokens[name]}}, o[0], o[1])
}

// assertAccessFails checks the exact RFC 6750 error userinfo gives and that
// introspection reports the token inactive.
func (ts *testServer) assertAccessFails(t *testing.T, at, desc string) {
	t.Helper()
	resp := ts.userinfo(at)
	assert.Equal(t, http.StatusUnauthorized, resp.status, "userinfo: %s", resp.body)
	assert.JSONEq(t, errJSON("invalid_token", desc), resp.String())
	assert.Equal(t, bearerChallenge(ts.issuer, "invalid_token", desc), resp.header.Get("WWW-Authenticate"))
	for _, hint := range []string{"", "access_token", "refresh_token"} {
		r := ts.introspect(at, hint)
		require.Equal(t, http.StatusOK, r.status)
		assert.JSONEq(t, `{"active":false}`, r.String(), "introspection with hint %q", hint)
	}
}

// assertRefreshFails checks the exact token-endpoint error and that
// introspection reports the token inactive.
func (w *adminWorld) assertRefreshFails(t *testing.T, name string) {
	t.Helper()
	for _, hint := range []string{"", "refresh_token"} {
		r := w.ts.introspect(w.tokens[name], hint)
		require.Equal(t, http.StatusOK, r.status)
		assert.JSONEq(t, `{"active":false}`, r.String(), "%s: introspection with hint %q", name, hint)
	}
	resp := w.refresh(name)
	assert.Equal(t, http.StatusBadRequest, resp.status, name)
	assert.JSONEq(t, errJSON("invalid_grant", refreshGone), resp.String(), name)
}

// assertLive checks that a token still introspects as active.
func (w *adminWorld) assertLive(t *testing.T, name string) {
	t.Helper()
	resp := w.ts.introspect(w.tokens[name], "")
	require.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, true, resp.json(t)["active"], "%s should be live: %s", name, resp.body)
}

func jtiOf(t testing.TB, at string) string {
	t.Helper()
	_, claims := decodeJWT(t, at)
	jti, _ := claims["jti"].(string)
	require.NotEmpty(t, jti)
	return jti
}

func TestAdminRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sel  func(w *adminWorld) provider.TokenSelector
		want provider.Selected
		dead []string
	}{
		{
			name: "access token",
			sel: func(w *adminWorld) provider.TokenSelector {
				return provider.TokenSelector{Token: w.tokens["alice1.at"]}
			},
			want: provider.Selected{AccessTokens: 1},
			dead: []string{"alice1.at"},
		},
		{
			name: "jti",
			sel: func(w *adminWorld) provider.TokenSelector {
				return provider.TokenSelector{JTI: jtiOf(w.ts.tb, w.tokens["alice1.at"])}
			},
			want: provider.Selected{AccessTokens: 1},
			dead: []string{"alice1.at"},
		},
		{
			name: "refresh token revokes its grant",
			sel: func(w *adminWorld) provider.TokenSelector {
				return provider.TokenSelector{Token: w.tokens["alice2r.rt"]}
			},
			want: provider.Selected{AccessTokens: 2, RefreshTokens: 1},
			dead: []string{"alice2.at", "alice2r.at", "alice2r.rt"},
		},
		{
			name: "username",
			sel:  func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{Username: "alice"} },
			want: provider.Selected{AccessTokens: 3, RefreshTokens: 2},
			dead: []string{"alice1.at", "alice1.rt", "alice2.at", "alice2r.at", "alice2r.rt"},
		},
		{
			name: "client with users",
			sel:  func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{ClientID: partnerID} },
			want: provider.Selected{AccessTokens: 1, RefreshTokens: 1},
			dead: []string{"bob.at", "bob.rt"},
		},
		{
			name: "client acting for itself",
			sel:  func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{ClientID: serviceID} },
			want: provider.Selected{AccessTokens: 1},
			dead: []string{"svc.at"},
		},
		{
			name: "client with no tokens",
			sel:  func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{ClientID: spaID} },
		},
		{
			name: "unknown user",
			sel:  func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{Username: "nobody"} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newAdminWorld(t)
			sel := tc.sel(w)
			n, err := w.ts.p.life.Revoke(t.Context(), sel)
			require.NoError(t, err)
			assert.Equal(t, tc.want, n)

			for _, name := range w.names() {
				dead := false
				for _, d := range tc.dead {
					dead = dead || d == name
				}
				switch {
				case !dead:
					w.assertLive(t, name)
				case strings.HasSuffix(name, ".at"):
					w.ts.assertAccessFails(t, w.tokens[name], accessRevoked)
				default:
					w.assertRefreshFails(t, name)
				}
			}

			again, err := w.ts.p.life.Revoke(t.Context(), sel)
			require.NoError(t, err, "a revoked token is still known")
			assert.Equal(t, provider.Selected{}, again, "nothing live is left to revoke")
		})
	}
}

// TestAdminRevokeCountsOnlyLiveTokens: a grant's access tokens that have
// expired by the clock are not counted.
func TestAdminRevokeCountsOnlyLiveTokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	first := ts.codeFlow(nil)
	ts.clk.Advance(50 * time.Minute)
	second := ts.tokens(ts.refresh(first.RefreshToken, nil))
	ts.clk.Advance(20 * time.Minute) // first.AccessToken has expired
	n, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: second.RefreshToken})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1, RefreshTokens: 1}, n)
	ts.assertAccessFails(t, second.AccessToken, accessRevoked)
}

// TestAdminRevokeLongGrant: a grant refreshed many times on a frozen clock
// is revoked whole, every access token of it counted once.
func TestAdminRevokeLongGrant(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	ats := []string{tok.AccessToken}
	for range 40 {
		tok = ts.tokens(ts.refresh(tok.RefreshToken, nil))
		ats = append(ats, tok.AccessToken)
	}
	n, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: tok.RefreshToken})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: len(ats), RefreshTokens: 1}, n)
	for _, at := range ats {
		assert.Equal(t, lifecycle.Revoked, ts.accessState(t, at))
	}
	ts.assertAccessFails(t, ats[0], accessRevoked)
}

// TestAdminRevokeIsOneCutoff: revoking a user writes one cut-off, which
// the lifecycle's Check applies to every token issued to her before it:
// access tokens, and refresh families by the sequence number of their
// grant.
func TestAdminRevokeIsOneCutoff(t *testing.T) {
	t.Parallel()
	w := newAdminWorld(t)
	ctx := t.Context()
	_, err := w.ts.p.life.Revoke(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)

	assert.Equal(t, lifecycle.Revoked, w.ts.accessState(t, w.tokens["alice1.at"]))
	rec, err := w.ts.p.deps.Store.LookupRefresh(ctx, w.tokens["alice1.rt"])
	require.NoError(t, err, "the store holds the family as it was: nothing per token was written")
	st, err := w.ts.p.life.Check(ctx, lifecycle.RefreshFacts(rec))
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Revoked, st)
	assert.Equal(t, lifecycle.Live, w.ts.accessState(t, w.tokens["bob.at"]))
}

func TestAdminExpire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sel  func(w *adminWorld) provider.TokenSelector
		want provider.Selected
		// expired access tokens; expiredRefresh, a refresh token expired.
		expired        []string
		expiredRefresh string
	}{
		{
			name: "access token",
			sel: func(w *adminWorld) provider.TokenSelector {
				return provider.TokenSelector{Token: w.tokens["alice1.at"]}
			},
			want:    provider.Selected{AccessTokens: 1},
			expired: []string{"alice1.at"},
		},
		{
			name: "jti",
			sel: func(w *adminWorld) provider.TokenSelector {
				return provider.TokenSelector{JTI: jtiOf(w.ts.tb, w.tokens["bob.at"])}
			},
			want:    provider.Selected{AccessTokens: 1},
			expired: []string{"bob.at"},
		},
		{
			name: "refresh token is expired itself",
			sel: func(w *adminWorld) provider.TokenSelector {
				return provider.TokenSelector{Token: w.tokens["alice1.rt"]}
			},
			want:           provider.Selected{RefreshTokens: 1},
			expiredRefresh: "alice1.rt",
		},
		{
			name:    "username",
			sel:     func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{Username: "alice"} },
			want:    provider.Selected{AccessTokens: 3},
			expired: []string{"alice1.at", "alice2.at", "alice2r.at"},
		},
		{
			name:    "client",
			sel:     func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{ClientID: webID} },
			want:    provider.Selected{AccessTokens: 3},
			expired: []string{"alice1.at", "alice2.at", "alice2r.at"},
		},
		{
			name:    "client acting for itself",
			sel:     func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{ClientID: serviceID} },
			want:    provider.Selected{AccessTokens: 1},
			expired: []string{"svc.at"},
		},
		{
			name: "user with no tokens",
			sel:  func(*adminWorld) provider.TokenSelector { return provider.TokenSelector{Username: "carol"} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newAdminWorld(t)
			sel := tc.sel(w)
			n, err := w.ts.p.life.Expire(t.Context(), sel)
			require.NoError(t, err)
			assert.Equal(t, tc.want, n)

			for _, name := range w.names() {
				switch {
				case contains(tc.expired, name):
					w.ts.assertAccessFails(t, w.tokens[name], accessExpired)
				case name == tc.expiredRefresh:
					w.assertRefreshFails(t, name)
				default:
					w.assertLive(t, name)
				}
			}
			again, err := w.ts.p.life.Expire(t.Context(), sel)
			require.NoError(t, err)
			assert.Equal(t, provider.Selected{}, again, "nothing live is left to expire")

			// Refresh tokens other than one expired by name still work, and
			// so do the access tokens they bring.
			for _, name := range []string{"alice1.rt", "alice2r.rt", "bob.rt"} {
				if name == tc.expiredRefresh {
					continue
				}
				fresh := w.ts.tokens(w.refresh(name))
				assert.Equal(t, http.StatusOK, w.ts.userinfo(fresh.AccessToken).status, "a token refreshed from %s", name)
			}
		})
	}
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// TestAdminRevokeAfterExpire: revoked wins over expired, and the expired
// tokens count, since their answer changes (the rule of every dialect).
func TestAdminRevokeAfterExpire(t *testing.T) {
	t.Parallel()
	w := newAdminWorld(t)
	n, err := w.ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	require.Equal(t, provider.Selected{AccessTokens: 3}, n)
	n, err = w.ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 3, RefreshTokens: 2}, n, "the expired access tokens now answer as revoked")
	w.ts.assertAccessFails(t, w.tokens["alice1.at"], accessRevoked)
	w.assertRefreshFails(t, "alice1.rt")
}

// TestAdminCallsSpareLaterTokens: on a frozen clock a token issued after a
// revoke or expire call has the same iat as the ones it hit, and works.
func TestAdminCallsSpareLaterTokens(t *testing.T) {
	t.Parallel()
	issue := map[string]func(ts *testServer) tokenSet{
		"code":     func(ts *testServer) tokenSet { return ts.codeFlow(nil) },
		"password": func(ts *testServer) tokenSet { return ts.passwordTokens("alice", alicePassword, "openid") },
		"mint": func(ts *testServer) tokenSet {
			res, err := ts.p.Mint(ts.tb.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}})
			require.NoError(ts.tb, err)
			return tokenSet{AccessToken: res.AccessToken, RefreshToken: res.RefreshToken}
		},
	}
	calls := map[string]func(p *Provider, t *testing.T) (provider.Selected, error){
		"revoke user": func(p *Provider, t *testing.T) (provider.Selected, error) {
			return p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
		},
		"revoke client": func(p *Provider, t *testing.T) (provider.Selected, error) {
			return p.life.Revoke(t.Context(), provider.TokenSelector{ClientID: webID})
		},
		"expire user": func(p *Provider, t *testing.T) (provider.Selected, error) {
			return p.life.Expire(t.Context(), provider.TokenSelector{Username: "alice"})
		},
		"expire client": func(p *Provider, t *testing.T) (provider.Selected, error) {
			return p.life.Expire(t.Context(), provider.TokenSelector{ClientID: webID})
		},
	}
	for callName, call := range calls {
		for issueName, iss := range issue {
			t.Run(callName+" then "+issueName, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t, nil)
				before := iss(ts)
				n, err := call(ts.p, t)
				require.NoError(t, err)
				require.NotZero(t, n.AccessTokens)
				desc := accessRevoked
				if strings.HasPrefix(callName, "expire") {
					desc = accessExpired
				}
				ts.assertAccessFails(t, before.AccessToken, desc)

				after := iss(ts)
				_, b := decodeJWT(t, before.AccessToken)
				_, a := decodeJWT(t, after.AccessToken)
				require.Equal(t, b["iat"], a["iat"], "the clock is frozen")
				assert.Equal(t, http.StatusOK, ts.userinfo(after.AccessToken).status)
				ts.assertActive(after.AccessToken, true)
				ts.assertActive(after.RefreshToken, true)
				fresh := ts.tokens(ts.refresh(after.RefreshToken, nil))
				assert.Equal(t, http.StatusOK, ts.userinfo(fresh.AccessToken).status)
			})
		}
	}
}

func TestAdminUnknownTokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	other := newTestServer(t, nil) // same keys, another issuer
	tok := ts.codeFlow(nil)
	rotated := ts.codeFlow(nil)
	ts.tokens(ts.refresh(rotated.RefreshToken, nil))
	minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: serviceID, TTLSeconds: 60})
	require.NoError(t, err)
	ts.clk.Advance(time.Minute) // the minted token expires; tok's do not

	tests := []struct {
		name string
		sel  provider.TokenSelector
	}{
		{"garbage", provider.TokenSelector{Token: "no-such-token"}},
		{"a JWT of another issuer", provider.TokenSelector{Token: other.codeFlow(nil).AccessToken}},
		{"an ID token", provider.TokenSelector{Token: tok.IDToken}},
		{"a tampered access token", provider.TokenSelector{Token: tok.AccessToken[:len(tok.AccessToken)-4] + "AAAA"}},
		{"a rotated-away refresh token", provider.TokenSelector{Token: rotated.RefreshToken}},
		{"an access token past its expiry", provider.TokenSelector{Token: minted.AccessToken}},
		{"a jti past its expiry", provider.TokenSelector{JTI: minted.JTI}},
		{"an unknown jti", provider.TokenSelector{JTI: "0123456789abcdef"}},
		{"a refresh family id as a jti", provider.TokenSelector{JTI: decodeSID(t, tok.AccessToken)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.p.life.Revoke(t.Context(), tc.sel)
			assert.ErrorIs(t, err, provider.ErrUnknownToken)
			_, err = ts.p.life.Expire(t.Context(), tc.sel)
			assert.ErrorIs(t, err, provider.ErrUnknownToken)
		})
	}
	for _, sel := range []provider.TokenSelector{{}, {Username: "alice", ClientID: webID}, {Token: tok.AccessToken, JTI: "x"}} {
		_, err := ts.p.life.Revoke(t.Context(), sel)
		require.Error(t, err, "%+v", sel)
		assert.NotErrorIs(t, err, provider.ErrUnknownToken)
		assert.EqualError(t, err, sel.Validate().Error())
		_, err = ts.p.life.Expire(t.Context(), sel)
		assert.EqualError(t, err, sel.Validate().Error())
	}
	// None of that touched the live tokens.
	assert.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status)
	ts.tokens(ts.refresh(tok.RefreshToken, nil))
}

func decodeSID(t testing.TB, at string) string {
	t.Helper()
	_, claims := decodeJWT(t, at)
	return claims["sid"].(string)
}

// TestLifecycleStampsEveryIssuance: each way of issuing tokens stamps the
// access token's jti with its user (the fixtures username, not the
// subject), client and expiry, and a new refresh family with its sequence
// number and its access tokens' stamps; a family's expiry and stamps
// follow rotation.
func TestLifecycleStampsEveryIssuance(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	mint := func(req provider.MintRequest) tokenSet {
		res, err := ts.p.Mint(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, jtiOf(t, res.AccessToken), res.JTI, "Mint returns the jti")
		return tokenSet{AccessToken: res.AccessToken, RefreshToken: res.RefreshToken}
	}
	hour, month := t0.Add(time.Hour), t0.Add(30*24*time.Hour)
	tests := []struct {
		name      string
		tok       tokenSet
		user      string
		client    string
		atExpires time.Time
	}{
		{"authorization code", ts.codeFlow(nil), "alice", webID, hour},
		{"password", ts.passwordTokens("bob", bobPassword, "openid"), "bob", webID, hour},
		{"client credentials", ts.tokens(ts.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret)), "", serviceID, hour},
		{"mint for a user", mint(provider.MintRequest{ClientID: webID, Username: "alice", TTLSeconds: 120}), "alice", webID, t0.Add(2 * time.Minute)},
		{"mint for a client", mint(provider.MintRequest{ClientID: serviceID}), "", serviceID, hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := ts.accessFacts(t, tc.tok.AccessToken)
			assert.Equal(t, tc.user, f.Username)
			assert.Equal(t, tc.client, f.ClientID)
			assert.Equal(t, tc.atExpires.Unix(), f.ExpiresAt.Unix())
			_, exp, _, ok := lifecycle.ParseJTI(f.JTI)
			require.True(t, ok)
			assert.Equal(t, tc.atExpires.Unix(), exp.Unix(), "the jti carries the expiry")
			if tc.tok.RefreshToken == "" {
				return
			}
			rec, err := ts.p.deps.Store.LookupRefresh(ctx, tc.tok.RefreshToken)
			require.NoError(t, err)
			assert.Equal(t, decodeSID(t, tc.tok.AccessToken), rec.Grant.FamilyID)
			assert.NotZero(t, rec.Grant.Seq)
			assert.NotEqual(t, rec.Grant.Seq, f.Seq, "the family has a stamp of its own")
			assert.Equal(t, tc.user, rec.Grant.Username)
			assert.Equal(t, month, rec.ExpiresAt)
			assert.Equal(t, []store.AccessStamp{f.Stamp()}, rec.Access)
		})
	}

	t.Run("refresh", func(t *testing.T) {
		tok := ts.passwordTokens("alice", alicePassword, "openid")
		ts.clk.Advance(time.Hour)
		fresh := ts.tokens(ts.refresh(tok.RefreshToken, nil))
		f := ts.accessFacts(t, fresh.AccessToken)
		assert.Equal(t, t0.Add(2*time.Hour).Unix(), f.ExpiresAt.Unix())
		f.ExpiresAt = time.Time{}
		assert.Equal(t, lifecycle.Facts{Kind: lifecycle.Access, Seq: f.Seq, JTI: jtiOf(t, fresh.AccessToken), Family: decodeSID(t, fresh.AccessToken),
			Username: "alice", ClientID: webID}, f)
		rec, err := ts.p.deps.Store.LookupRefresh(ctx, fresh.RefreshToken)
		require.NoError(t, err)
		assert.Equal(t, t0.Add(time.Hour+30*24*time.Hour), rec.ExpiresAt, "the family's expiry follows rotation")
		assert.Equal(t, []store.AccessStamp{{Seq: f.Seq, Exp: t0.Add(2 * time.Hour).Unix()}}, rec.Access, "the first access token has expired; the new one joined")
	})
}

// accessFacts reads an access token's lifecycle facts as verification does.
func (ts *testServer) accessFacts(t testing.TB, at string) lifecycle.Facts {
	t.Helper()
	claims, err := ts.p.parseAccessToken(at)
	require.NoError(t, err)
	f, ok := ts.p.accessFacts(claims)
	require.True(t, ok)
	return f
}

// accessState is what the lifecycle says of an access token.
func (ts *testServer) accessState(t testing.TB, at string) lifecycle.State {
	t.Helper()
	st, err := ts.p.life.Check(t.Context(), ts.accessFacts(t, at))
	require.NoError(t, err)
	return st
}

// TestDialectRevocationsGoThroughTheLifecycle: every way the dialect
// itself revokes tokens (the RFC 7009 endpoint, a replayed code, a reused
// refresh token, logout) revokes them in the lifecycle, so the admin API
// finds nothing live left to revoke.
func TestDialectRevocationsGoThroughTheLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// act revokes alice's only grant one way or another.
		act func(ts *testServer, tok tokenSet, code string)
		// wantLeft is what an admin revoke of alice still finds live.
		wantLeft provider.Selected
	}{
		{
			name: "revocation endpoint, refresh token",
			act: func(ts *testServer, tok tokenSet, _ string) {
				require.Equal(ts.tb, http.StatusOK, ts.postForm(PathRevoke, url.Values{"token": {tok.RefreshToken}}, webID, webSecret).status)
			},
		},
		{
			name: "revocation endpoint, access token",
			act: func(ts *testServer, tok tokenSet, _ string) {
				require.Equal(ts.tb, http.StatusOK, ts.postForm(PathRevoke, url.Values{"token": {tok.AccessToken}}, webID, webSecret).status)
			},
			wantLeft: provider.Selected{RefreshTokens: 1},
		},
		{
			name: "replayed code",
			act: func(ts *testServer, _ tokenSet, code string) {
				require.Equal(ts.tb, http.StatusBadRequest, ts.redeem(code, nil).status)
			},
		},
		{
			name: "reused refresh token",
			act: func(ts *testServer, tok tokenSet, _ string) {
				fresh := ts.tokens(ts.refresh(tok.RefreshToken, nil))
				require.Equal(ts.tb, http.StatusBadRequest, ts.refresh(tok.RefreshToken, nil).status)
				ts.assertAccessDead(fresh.AccessToken)
			},
		},
		{
			name: "logout",
			act: func(ts *testServer, tok tokenSet, _ string) {
				require.Equal(ts.tb, http.StatusOK, ts.get(PathEndSession, url.Values{"id_token_hint": {tok.IDToken}}).status)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			code := ts.code(nil)
			tok := ts.tokens(ts.redeem(code, nil))
			tc.act(ts, tok, code)
			ts.assertAccessDead(tok.AccessToken)
			assert.Equal(t, lifecycle.Revoked, ts.accessState(t, tok.AccessToken))

			n, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
			require.NoError(t, err)
			assert.Equal(t, tc.wantLeft, n)
		})
	}
}

// TestAdminStatusIsCheckedLast: a token that is bad anyway keeps its own
// error after an admin call.
func TestAdminStatusIsCheckedLast(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	_, err := ts.p.life.Expire(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	ts.assertAccessFails(t, tok.AccessToken[:len(tok.AccessToken)-4]+"AAAA", "the access token is invalid")
	_, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	ts.clk.Advance(time.Hour)
	ts.assertAccessFails(t, tok.AccessToken, accessExpired)
}

// TestAdminRevokeRacesIssuance revokes a user's tokens while that user
// signs in from several goroutines (run it with -race). Whatever the
// interleaving, every call succeeds, tokens issued before the last revoke
// are dead, and the next sign-in works.
func TestAdminRevokeRacesIssuance(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	const signers, perSigner, revokes = 4, 8, 16
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		issued []tokenSet
	)
	for range signers {
		wg.Go(func() {
			for range perSigner {
				// No require here: FailNow must not run off the test's
				// goroutine.
				req, err := http.NewRequest(http.MethodPost, ts.url(PathToken), strings.NewReader(url.Values{
					"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "scope": {"openid"},
				}.Encode()))
				if !assert.NoError(t, err) {
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", basicAuth(webID, webSecret))
				resp, err := ts.client.Do(req)
				if !assert.NoError(t, err) {
					return
				}
				var tok tokenSet
				err = json.NewDecoder(resp.Body).Decode(&tok)
				_ = resp.Body.Close()
				if !assert.Equal(t, http.StatusOK, resp.StatusCode) || !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				issued = append(issued, tok)
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for range revokes {
			_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
			assert.NoError(t, err)
			_, err = ts.p.life.Expire(t.Context(), provider.TokenSelector{ClientID: webID})
			assert.NoError(t, err)
		}
	})
	wg.Wait()
	require.Len(t, issued, signers*perSigner)

	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	for _, tok := range issued {
		ts.assertActive(tok.AccessToken, false)
		ts.assertRefreshDead(tok.RefreshToken)
	}
	after := ts.passwordTokens("alice", alicePassword, "openid")
	assert.Equal(t, http.StatusOK, ts.userinfo(after.AccessToken).status)
	ts.tokens(ts.refresh(after.RefreshToken, nil))
}

// TestAdminRevokeTokenOfDeletedUser: the resolver reads a deleted user's
// token while the admin call holds the lifecycle; it must not wait on it.
func TestAdminRevokeTokenOfDeletedUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	_, err := ts.p.editor.PutFixture(t.Context(), "users", "dave", json.RawMessage(`{"password":"dave-password-Zx9","subject":"dave-sub"}`))
	require.NoError(t, err)
	tok, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "dave", Scopes: []string{"openid"}})
	require.NoError(t, err)
	require.NoError(t, ts.p.editor.DeleteFixture(t.Context(), "users", "dave"))
	done := make(chan provider.Selected, 1)
	go func() {
		n, err := ts.p.life.Revoke(context.Background(), provider.TokenSelector{Token: tok.AccessToken})
		assert.NoError(t, err)
		done <- n
	}()
	select {
	case n := <-done:
		assert.Equal(t, provider.Selected{}, n, "deleting dave already revoked his token")
	case <-time.After(10 * time.Second):
		t.Fatal("revoking a deleted user's token by value hung")
	}
}
