package fastapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMe(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(bobEmail, bobPassword)
	resp := ts.me(tok.AccessToken)
	require.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
	assert.JSONEq(t, `{"id":"`+deriveID(bobEmail)+`","email":"bob@example.com","is_active":true,"is_superuser":false,"is_verified":false}`, resp.body)
}

func TestMeUnauthorized(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	other := newTestServer(t, func(c *Config) { c.Keys[0].Builtin = ""; c.Keys[0].Secret = "another-secret-of-32-bytes-length!!" })
	foreign := other.login(aliceEmail, alicePassword)
	_, claims := decodeJWT(t, tok.AccessToken)
	require.Equal(t, aliceID, claims["sub"])
	tests := []struct {
		name  string
		authz string
	}{
		{"no header", ""},
		{"empty bearer", "Bearer "},
		{"Basic", basic(aliceEmail + ":" + alicePassword)},
		{"garbage", "Bearer garbage"},
		{"refresh token", "Bearer " + tok.RefreshToken},
		{"another key", "Bearer " + foreign.AccessToken},
		{"token without the bearer scheme", tok.AccessToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{}
			if tc.authz != "" {
				headers["Authorization"] = tc.authz
			}
			resp := ts.do(request(http.MethodGet, PathMe, "", "", headers))
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, bodyUnauthorized, resp.body)
			assert.Empty(t, resp.header.Get("WWW-Authenticate"), "fastapi-users sends no challenge")
		})
	}
	t.Run("expired", func(t *testing.T) {
		ts := newTestServer(t, nil)
		tok := ts.login(aliceEmail, alicePassword)
		ts.clk.Advance(time.Hour - time.Second)
		assert.Equal(t, http.StatusOK, ts.me(tok.AccessToken).status)
		ts.clk.Advance(time.Second)
		resp := ts.me(tok.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, resp.status)
		assert.JSONEq(t, bodyUnauthorized, resp.body)
	})
	t.Run("user deactivated", func(t *testing.T) {
		ts := newTestServer(t, nil)
		tok := ts.login(aliceEmail, alicePassword)
		u, _ := ts.p.dir.User(aliceEmail)
		u.Disabled = true
		require.Empty(t, ts.p.dir.PutUser(u))
		assert.JSONEq(t, bodyUnauthorized, ts.me(tok.AccessToken).body)
	})
	t.Run("store reset", func(t *testing.T) {
		ts := newTestServer(t, nil)
		tok := ts.login(aliceEmail, alicePassword)
		require.NoError(t, ts.backend.Reset(t.Context(), "fastapi"))
		assert.JSONEq(t, bodyUnauthorized, ts.me(tok.AccessToken).body)
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	logout := func(ts *testServer, access string) response {
		headers := map[string]string{}
		if access != "" {
			headers["Authorization"] = "Bearer " + access
		}
		return ts.do(request(http.MethodPost, PathLogout, "", "", headers))
	}
	t.Run("JWT stays valid by default", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, nil)
		tok := ts.login(aliceEmail, alicePassword)
		resp := logout(ts, tok.AccessToken)
		assert.Equal(t, http.StatusNoContent, resp.status)
		assert.Empty(t, resp.body)
		assert.Equal(t, http.StatusOK, ts.me(tok.AccessToken).status)
		assert.Equal(t, http.StatusNoContent, logout(ts, tok.AccessToken).status)
		ts.tokens(ts.refreshResp(tok.RefreshToken))
	})
	for name, mutate := range map[string]func(*Config){
		"logout_revokes": func(c *Config) { c.LogoutRevokes = true },
		"opaque tokens":  func(c *Config) { c.TokenFormat = FormatOpaque },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mutate)
			tok := ts.login(aliceEmail, alicePassword)
			ts.clk.Advance(time.Second) // a JWT minted in the same second would be the same string
			other := ts.login(aliceEmail, alicePassword)
			assert.Equal(t, http.StatusNoContent, logout(ts, tok.AccessToken).status)
			assert.JSONEq(t, bodyUnauthorized, ts.me(tok.AccessToken).body)
			assert.JSONEq(t, bodyRefreshExpired, ts.refreshResp(tok.RefreshToken).body)
			resp := logout(ts, tok.AccessToken)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, bodyUnauthorized, resp.body)
			// Another session of the same user is not logged out.
			assert.Equal(t, http.StatusOK, ts.me(other.AccessToken).status)
		})
	}
	t.Run("401 without a valid token", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, nil)
		for _, access := range []string{"", "nope"} {
			resp := logout(ts, access)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, bodyUnauthorized, resp.body)
			assert.Empty(t, resp.header.Get("WWW-Authenticate"))
		}
	})
}
