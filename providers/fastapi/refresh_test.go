package fastapi

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRefreshSuccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	first := ts.login(aliceEmail, alicePassword)
	ts.clk.Advance(10 * time.Minute)
	resp := ts.refreshResp(first.RefreshToken)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	next := ts.tokens(resp)
	assert.Equal(t, "bearer", next.TokenType)
	assert.Equal(t, int64(3600), next.ExpiresIn)
	assert.NotEqual(t, first.AccessToken, next.AccessToken)
	assert.NotEqual(t, first.RefreshToken, next.RefreshToken)
	_, claims := decodeJWT(t, next.AccessToken)
	assert.Equal(t, float64(t0.Add(10*time.Minute).Unix()+3600), claims["exp"])
	assert.Equal(t, http.StatusOK, ts.me(next.AccessToken).status)
	// The old access token lives on until it expires, as in the UniPoll code.
	assert.Equal(t, http.StatusOK, ts.me(first.AccessToken).status)
}

func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	other := newTestServer(t, func(c *Config) { c.Keys[0].Builtin = ""; c.Keys[0].Secret = "another-secret-of-32-bytes-length!!" })
	foreign := other.login(aliceEmail, alicePassword)

	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantBody   string
	}{
		{"missing header", nil, 422,
			`{"detail":[{"type":"missing","loc":["header","refresh-token"],"msg":"Field required","input":null}]}`},
		{"empty header", map[string]string{"refresh-token": ""}, 401, bodyInvalidRefresh},
		{"garbage", map[string]string{"refresh-token": "not-a-token"}, 401, bodyInvalidRefresh},
		{"access token as refresh token", map[string]string{"refresh-token": tok.AccessToken}, 401, bodyInvalidRefresh},
		{"signed by another key", map[string]string{"refresh-token": foreign.RefreshToken}, 401, bodyInvalidRefresh},
		{"underscore spelling is not the header", map[string]string{"refresh_token": tok.RefreshToken}, 422,
			`{"detail":[{"type":"missing","loc":["header","refresh-token"],"msg":"Field required","input":null}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.do(request(http.MethodPost, PathRefresh, "", "", tc.headers))
			assert.Equal(t, tc.wantStatus, resp.status)
			assert.JSONEq(t, tc.wantBody, resp.body)
		})
	}
	// None of that changed anything.
	ts.tokens(ts.refreshResp(tok.RefreshToken))
}

func TestRefreshTokenIsNotAccessToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	resp := ts.me(tok.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, bodyUnauthorized, resp.body)
}

func TestRefreshExpired(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshTokenTTL = 2 * 3600e9 })
	tok := ts.login(aliceEmail, alicePassword)
	ts.clk.Advance(2 * time.Hour)
	resp := ts.refreshResp(tok.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, bodyRefreshExpired, resp.body)
	ts.login(aliceEmail, alicePassword)
}

// TestRefreshReuse: login → refresh → refresh again → reuse of the first
// refresh token: 401, and every token of the user is revoked, the latest
// pair and another device's session included. A new login works.
func TestRefreshReuse(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatJWT, FormatOpaque} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, func(c *Config) { c.TokenFormat = format })
			first := ts.login(aliceEmail, alicePassword)
			device2 := ts.login(aliceEmail, alicePassword)
			bob := ts.login(bobEmail, bobPassword)
			second := ts.tokens(ts.refreshResp(first.RefreshToken))
			third := ts.tokens(ts.refreshResp(second.RefreshToken))

			resp := ts.refreshResp(first.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, bodyRefreshExpired, resp.body)

			for name, access := range map[string]string{"first": first.AccessToken, "third": third.AccessToken, "device2": device2.AccessToken} {
				assert.JSONEq(t, bodyUnauthorized, ts.me(access).body, name)
			}
			for name, refresh := range map[string]string{"third": third.RefreshToken, "device2": device2.RefreshToken} {
				resp := ts.refreshResp(refresh)
				assert.Equal(t, http.StatusUnauthorized, resp.status, name)
				assert.JSONEq(t, bodyRefreshExpired, resp.body, name)
			}
			// Another user is untouched.
			assert.Equal(t, http.StatusOK, ts.me(bob.AccessToken).status)
			ts.tokens(ts.refreshResp(bob.RefreshToken))

			again := ts.login(aliceEmail, alicePassword)
			assert.Equal(t, http.StatusOK, ts.me(again.AccessToken).status)
			ts.tokens(ts.refreshResp(again.RefreshToken))
		})
	}
}

func TestRefreshConcurrent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	const n = 64
	var wg sync.WaitGroup
	results := make([]response, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = ts.refreshResp(tok.RefreshToken)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, r := range results {
		switch r.status {
		case http.StatusOK:
			won++
		default:
			assert.Equal(t, http.StatusUnauthorized, r.status)
			assert.JSONEq(t, bodyRefreshExpired, r.body)
		}
	}
	assert.Equal(t, 1, won, "exactly one refresh wins")
}

func TestRefreshRequiresAccessToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshRequiresAccessToken = true })
	tok := ts.login(aliceEmail, alicePassword)
	bob := ts.login(bobEmail, bobPassword)
	missingAuth := `{"type":"missing","loc":["header","authorization"],"msg":"Field required","input":null}`
	missingRefresh := `{"type":"missing","loc":["header","refresh-token"],"msg":"Field required","input":null}`
	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantBody   string
	}{
		{"both missing", nil, 422, `{"detail":[` + missingAuth + `,` + missingRefresh + `]}`},
		{"authorization missing", map[string]string{"refresh-token": tok.RefreshToken}, 422, `{"detail":[` + missingAuth + `]}`},
		{"not Bearer", map[string]string{"Authorization": "Basic " + tok.AccessToken, "refresh-token": tok.RefreshToken}, 400, `{"detail":"Invalid Authorization header"}`},
		{"lower-case bearer", map[string]string{"Authorization": "bearer " + tok.AccessToken, "refresh-token": tok.RefreshToken}, 400, `{"detail":"Invalid Authorization header"}`},
		{"unknown access token", map[string]string{"Authorization": "Bearer nope", "refresh-token": tok.RefreshToken}, 401, bodyInvalidAccess},
		{"another session's access token", map[string]string{"Authorization": "Bearer " + bob.AccessToken, "refresh-token": tok.RefreshToken}, 401, bodyInvalidRefresh},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.do(request(http.MethodPost, PathRefresh, "", "", tc.headers))
			assert.Equal(t, tc.wantStatus, resp.status)
			assert.JSONEq(t, tc.wantBody, resp.body)
		})
	}
	// The access token may have expired; the pair still refreshes once.
	ts.clk.Advance(2 * time.Hour)
	pairHeaders := map[string]string{"Authorization": "Bearer " + tok.AccessToken, "refresh-token": tok.RefreshToken}
	next := ts.tokens(ts.do(request(http.MethodPost, PathRefresh, "", "", pairHeaders)))
	// The new refresh token goes with the new access token only.
	resp := ts.do(request(http.MethodPost, PathRefresh, "", "", map[string]string{"Authorization": "Bearer " + tok.AccessToken, "refresh-token": next.RefreshToken}))
	assert.JSONEq(t, bodyInvalidRefresh, resp.body)
	ts.tokens(ts.do(request(http.MethodPost, PathRefresh, "", "", map[string]string{"Authorization": "Bearer " + next.AccessToken, "refresh-token": next.RefreshToken})))
	// Reuse of the first pair still revokes everything.
	resp = ts.do(request(http.MethodPost, PathRefresh, "", "", pairHeaders))
	assert.JSONEq(t, bodyRefreshExpired, resp.body)
}

// TestRefreshNewestOnly: with the UniPoll code's check, a login on a second
// device makes the first device's refresh token count as reused.
func TestRefreshNewestOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshNewestOnly = true })
	first := ts.login(aliceEmail, alicePassword)
	second := ts.tokens(ts.refreshResp(first.RefreshToken))
	device2 := ts.login(aliceEmail, alicePassword)

	resp := ts.refreshResp(second.RefreshToken)
	assert.JSONEq(t, bodyRefreshExpired, resp.body)
	assert.JSONEq(t, bodyUnauthorized, ts.me(device2.AccessToken).body, "logged out everywhere")
	assert.JSONEq(t, bodyRefreshExpired, ts.refreshResp(device2.RefreshToken).body)

	again := ts.login(aliceEmail, alicePassword)
	ts.tokens(ts.refreshResp(again.RefreshToken))
}

func TestRefreshUserChanges(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	u, ok := ts.p.dir.User(aliceEmail)
	require.True(t, ok)
	u.Disabled = true
	require.Empty(t, ts.p.dir.PutUser(u))
	resp := ts.refreshResp(tok.RefreshToken)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, bodyBadCredentials, resp.body)
	assert.JSONEq(t, bodyUnauthorized, ts.me(tok.AccessToken).body)

	require.True(t, ts.p.dir.DeleteUser(aliceEmail))
	resp = ts.refreshResp(tok.RefreshToken)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.JSONEq(t, `{"detail":"Account not found"}`, resp.body)
}
