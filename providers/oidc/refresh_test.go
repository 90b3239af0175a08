package oidc

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
)

const refreshGone = "the refresh token is invalid, expired or revoked"

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	first := ts.codeFlow(nil)

	ts.clk.Advance(5 * time.Minute)
	resp := ts.refresh(first.RefreshToken, nil)
	assertTokenBody(t, resp, fullTokenKeys...)
	second := ts.tokens(resp)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "the refresh token rotates")
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	assert.Equal(t, webScopes, second.Scope)

	t.Run("the new ID token keeps the original authentication", func(t *testing.T) {
		_, old := decodeJWT(t, first.IDToken)
		claims := ts.verifyJWT(second.IDToken)
		for _, c := range []string{"iss", "sub", "aud", "azp", "auth_time", "sid"} {
			assert.Equal(t, old[c], claims[c], c)
		}
		assert.Equal(t, unix(5*time.Minute), claims["iat"])
		assert.Equal(t, atHash(second.AccessToken), claims["at_hash"])
	})

	third := ts.tokens(ts.refresh(second.RefreshToken, nil))
	for _, at := range []string{first.AccessToken, second.AccessToken, third.AccessToken} {
		require.Equal(t, http.StatusOK, ts.userinfo(at).status, "access tokens stay valid while the family is healthy")
	}

	t.Run("reusing a rotated token kills the family", func(t *testing.T) {
		resp := ts.refresh(first.RefreshToken, nil)
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, errJSON("invalid_grant", "the refresh token has already been used"), resp.String())

		resp = ts.refresh(third.RefreshToken, nil)
		assert.JSONEq(t, errJSON("invalid_grant", refreshGone), resp.String(), "the newest refresh token is revoked too")
		ts.assertActive(third.RefreshToken, false)
		for _, at := range []string{first.AccessToken, second.AccessToken, third.AccessToken} {
			ts.assertAccessDead(at)
		}
	})
}

func TestRefreshScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)

	t.Run("narrowing", func(t *testing.T) {
		resp := ts.refresh(tok.RefreshToken, url.Values{"scope": {"openid"}})
		assertTokenBody(t, resp, fullTokenKeys...)
		narrowed := ts.tokens(resp)
		assert.Equal(t, "openid", narrowed.Scope)
		_, claims := decodeJWT(t, narrowed.AccessToken)
		assert.Equal(t, "openid", claims["scope"])
		info := ts.userinfo(narrowed.AccessToken)
		require.Equal(t, http.StatusOK, info.status)
		assert.JSONEq(t, `{"sub":"a1b2c3-alice","groups":["admins","staff"]}`, info.String())

		// The new refresh token keeps the whole grant (RFC 6749 §6).
		full := ts.tokens(ts.refresh(narrowed.RefreshToken, nil))
		assert.Equal(t, webScopes, full.Scope)
		tok = full
	})
	t.Run("widening is refused and changes nothing", func(t *testing.T) {
		resp := ts.refresh(tok.RefreshToken, url.Values{"scope": {"openid api:read"}})
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, errJSON("invalid_scope", `scope "api:read" was not part of the original grant`), resp.String())

		again := ts.refresh(tok.RefreshToken, nil)
		assertTokenBody(t, again, fullTokenKeys...)
	})
}

func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		advance    time.Duration
		user, pass string                  // Basic; empty with form client_id for public clients
		form       func(string) url.Values // the failing request, given the live refresh token
		status     int
		body       string
		stillWorks bool
	}{
		{
			name: "missing refresh_token", user: webID, pass: webSecret,
			form:   func(string) url.Values { return url.Values{"grant_type": {"refresh_token"}} },
			status: 400, body: errJSON("invalid_request", "refresh_token is required"), stillWorks: true,
		},
		{
			name: "unknown refresh_token", user: webID, pass: webSecret,
			form: func(string) url.Values {
				return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"no-such-token"}}
			},
			status: 400, body: errJSON("invalid_grant", refreshGone), stillWorks: true,
		},
		{
			name: "access token as refresh token", user: webID, pass: webSecret,
			form:   nil, // filled below
			status: 400, body: errJSON("invalid_grant", refreshGone), stillWorks: true,
		},
		{
			name: "another confidential client", user: partnerID, pass: partnerSecret,
			form:   func(rt string) url.Values { return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}} },
			status: 400, body: errJSON("invalid_grant", "the refresh token was issued to another client"), stillWorks: true,
		},
		{
			name: "a public client",
			form: func(rt string) url.Values {
				return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {spaID}}
			},
			status: 400, body: errJSON("invalid_grant", "the refresh token was issued to another client"), stillWorks: true,
		},
		{
			name: "expired", user: webID, pass: webSecret, advance: 31 * 24 * time.Hour,
			form:   func(rt string) url.Values { return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}} },
			status: 400, body: errJSON("invalid_grant", refreshGone),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.codeFlow(nil)
			ts.clk.Advance(tc.advance)
			form := tc.form
			if form == nil {
				form = func(string) url.Values {
					return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.AccessToken}}
				}
			}
			resp := ts.postForm(PathToken, form(tok.RefreshToken), tc.user, tc.pass)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			if tc.stillWorks {
				assertTokenBody(t, ts.refresh(tok.RefreshToken, nil), fullTokenKeys...)
			}
		})
	}
}

func TestRefreshTTL(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	ts.clk.Advance(30*24*time.Hour - time.Second)
	fresh := ts.tokens(ts.refresh(tok.RefreshToken, nil))
	// Rotation gives the successor a full lifetime from now.
	ts.clk.Advance(29 * 24 * time.Hour)
	ts.tokens(ts.refresh(fresh.RefreshToken, nil))
}

// TestRefreshConcurrent: of 64 simultaneous refreshes of one token exactly
// one succeeds; the rest see reuse.
func TestRefreshConcurrent(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		t.Run(fmt.Sprintf("round %d", round+1), func(t *testing.T) {
			ts := newTestServer(t, nil)
			tok := ts.codeFlow(nil)
			const n = 64
			resps := make([]response, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					resps[i] = ts.refresh(tok.RefreshToken, nil)
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
					assert.Equal(t, "invalid_grant", r.json(t)["error"], "%s", r.body)
				default:
					t.Errorf("unexpected status %d: %s", r.status, r.body)
				}
			}
			assert.Equal(t, 1, ok, "exactly one refresh wins")
		})
	}
}

// TestCodeUserGone: a code whose user was disabled after signing in
// yields nothing, in the token endpoint's exact words, and is not spent.
func TestCodeUserGone(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	code := ts.code(nil)
	u, ok := ts.p.dir.User("alice")
	require.True(t, ok)
	u.Disabled = true
	require.Empty(t, ts.p.dir.PutUser(u))
	resp := ts.redeem(code, nil)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_grant", "the user of the authorization code no longer exists or is disabled"), resp.String())

	u.Disabled = false
	require.Empty(t, ts.p.dir.PutUser(u))
	assertTokenBody(t, ts.redeem(code, nil), fullTokenKeys...)
}

// TestCodeRevokedBeforeRedemption: revoking the user between /authorize
// and the token request kills the code, in the token endpoint's words.
func TestCodeRevokedBeforeRedemption(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	code := ts.code(nil)
	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	resp := ts.redeem(code, nil)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_grant", "the authorization code has been revoked"), resp.String())
	assertTokenBody(t, ts.redeem(ts.code(nil), nil), fullTokenKeys...)
}

// TestRefreshUserGone: a refresh token stops working when its user is
// disabled or removed, and works again, unchanged, when the user is back.
func TestRefreshUserGone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		remove  func(ts *testServer)
		restore func(ts *testServer)
	}{
		{
			name: "disabled",
			remove: func(ts *testServer) {
				u, ok := ts.p.dir.User("alice")
				require.True(ts.tb, ok)
				u.Disabled = true
				require.Empty(ts.tb, ts.p.dir.PutUser(u))
			},
			restore: func(ts *testServer) {
				u, _ := ts.p.dir.User("alice")
				u.Disabled = false
				require.Empty(ts.tb, ts.p.dir.PutUser(u))
			},
		},
		{
			name:    "deleted",
			remove:  func(ts *testServer) { require.True(ts.tb, ts.p.dir.DeleteUser("alice")) },
			restore: func(ts *testServer) { require.NoError(ts.tb, ts.p.Reset(ts.tb.Context())) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.codeFlow(nil)
			tc.remove(ts)
			resp := ts.refresh(tok.RefreshToken, nil)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, errJSON("invalid_grant", "the user of the refresh token no longer exists or is disabled"), resp.String())
			tc.restore(ts)
			assertTokenBody(t, ts.refresh(tok.RefreshToken, nil), fullTokenKeys...)
		})
	}
}
