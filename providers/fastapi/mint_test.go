package fastapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
)

func TestMint(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{Username: aliceEmail, TTLSeconds: 120, Claims: map[string]any{"role": "admin", "sub": "forged", "aud": "x"}})
	require.NoError(t, err)
	assert.Equal(t, int64(120), res.ExpiresIn)
	_, claims := decodeJWT(t, res.AccessToken)
	assert.Equal(t, map[string]any{"sub": aliceID, "aud": []any{"fastapi-users:auth"}, "exp": float64(t0.Unix() + 120), "role": "admin"}, claims)
	assert.Equal(t, http.StatusOK, ts.me(res.AccessToken).status)
	ts.tokens(ts.refreshResp(res.RefreshToken))

	byID, err := ts.p.Mint(t.Context(), provider.MintRequest{Username: aliceID})
	require.NoError(t, err)
	assert.Equal(t, int64(3600), byID.ExpiresIn)

	for name, req := range map[string]provider.MintRequest{
		"no user":      {},
		"unknown user": {Username: "nobody@example.com"},
		"negative ttl": {Username: aliceEmail, TTLSeconds: -1},
		"huge ttl":     {Username: aliceEmail, TTLSeconds: 1 << 62},
	} {
		_, err := ts.p.Mint(t.Context(), req)
		assert.Error(t, err, name)
	}
	opaque := newTestServer(t, func(c *Config) { c.TokenFormat = FormatOpaque })
	_, err = opaque.p.Mint(t.Context(), provider.MintRequest{Username: aliceEmail, Claims: map[string]any{"a": 1}})
	assert.Error(t, err, "opaque tokens carry no claims")
}

func TestResetAndDescribe(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	require.True(t, ts.p.dir.DeleteUser(aliceEmail))
	assert.JSONEq(t, bodyBadCredentials, ts.loginResp(aliceEmail, alicePassword).body)
	require.NoError(t, ts.p.Reset(t.Context()))
	ts.login(aliceEmail, alicePassword)

	d := ts.p.Describe()
	assert.Equal(t, "fastapi", d.Dialect)
	assert.Equal(t, []provider.Endpoint{
		{Name: "login", URL: "http://authmock.test/fastapi/auth/jwt/login"},
		{Name: "refresh", URL: "http://authmock.test/fastapi/auth/jwt/refresh"},
		{Name: "postman_refresh", URL: "http://authmock.test/fastapi/auth/jwt/postman-refresh"},
		{Name: "logout", URL: "http://authmock.test/fastapi/auth/jwt/logout"},
		{Name: "users_me", URL: "http://authmock.test/fastapi/users/me"},
	}, d.Endpoints)
	assert.Equal(t, []provider.DescribedUser{
		{Username: aliceEmail, Password: alicePassword}, {Username: bobEmail, Password: bobPassword}, {Username: carolEmail, Password: carolPassword},
	}, d.Users)
	assert.Contains(t, d.Notes, "alice@example.com: id 64b7f3a2c9e1d4f5a6b7c8d9, active true, verified true, superuser true")
}

// TestSameSecondLogins: fastapi-users' JWTs hold only sub, aud and exp, so
// two logins in one second share the access token string; both sessions'
// refresh tokens stay usable, also when refresh needs the access token.
func TestSameSecondLogins(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshRequiresAccessToken = true })
	a := ts.login(aliceEmail, alicePassword)
	b := ts.login(aliceEmail, alicePassword)
	assert.Equal(t, a.AccessToken, b.AccessToken)
	assert.NotEqual(t, a.RefreshToken, b.RefreshToken)
	ts.clk.Advance(time.Second)
	for _, rt := range []string{a.RefreshToken, b.RefreshToken} {
		ts.tokens(ts.do(request(http.MethodPost, PathRefresh, "", "", map[string]string{"Authorization": "Bearer " + a.AccessToken, "refresh-token": rt})))
	}
}
