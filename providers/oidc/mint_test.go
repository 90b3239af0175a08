package oidc

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
)

func TestMintWithUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid", "profile"}})
	require.NoError(t, err)
	assert.NotEmpty(t, res.AccessToken)
	assert.NotEmpty(t, res.RefreshToken)
	assert.NotEmpty(t, res.IDToken)
	assert.Equal(t, int64(3600), res.ExpiresIn)

	idClaims := ts.verifyJWT(res.IDToken)
	assert.Equal(t, aliceSubject, idClaims["sub"])
	assert.Equal(t, webID, idClaims["aud"])
	assert.Equal(t, atHash(res.AccessToken), idClaims["at_hash"])
	atClaims := ts.verifyJWT(res.AccessToken)
	assert.Equal(t, idClaims["sid"], atClaims["sid"])

	info := ts.userinfo(res.AccessToken)
	require.Equal(t, http.StatusOK, info.status)
	assert.JSONEq(t, `{"sub":"a1b2c3-alice","name":"Alice Liddell","given_name":"Alice","family_name":"Liddell","preferred_username":"alice","groups":["admins","staff"]}`, info.String())
	// The minted refresh token is a real one.
	ts.tokens(ts.refresh(res.RefreshToken, nil))
}

func TestMintClientToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: serviceID, Scopes: []string{"api:read"}, TTLSeconds: 60})
	require.NoError(t, err)
	assert.Empty(t, res.RefreshToken)
	assert.Empty(t, res.IDToken)
	assert.Equal(t, int64(60), res.ExpiresIn)
	claims := ts.verifyJWT(res.AccessToken)
	assert.Equal(t, serviceID, claims["sub"])
	assert.Equal(t, "api:read", claims["scope"])
	assert.Equal(t, unix(time.Minute), claims["exp"])
	ts.assertActive(res.AccessToken, true)
	ts.clk.Advance(time.Minute)
	ts.assertActive(res.AccessToken, false)
}

func TestMintExtraClaims(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{
		ClientID: webID, Username: "bob", Scopes: []string{"openid"},
		Claims: map[string]any{
			"tenant": "acme", "roles": []any{"reader", "writer"},
			"iss": "https://evil.example", "exp": float64(4102444800), "sub": "root", "client_id": "evil", "jti": "fixed",
		},
	})
	require.NoError(t, err)
	claims := ts.verifyJWT(res.AccessToken)
	assert.Equal(t, "acme", claims["tenant"])
	assert.Equal(t, []any{"reader", "writer"}, claims["roles"])
	assert.Equal(t, ts.issuer, claims["iss"])
	assert.Equal(t, unix(time.Hour), claims["exp"])
	assert.Equal(t, "bob", claims["sub"])
	assert.Equal(t, webID, claims["client_id"])
	assert.NotEqual(t, "fixed", claims["jti"])
	assert.Equal(t, http.StatusOK, ts.userinfo(res.AccessToken).status)
}

func TestMintErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name    string
		req     provider.MintRequest
		errText string
		is      error
	}{
		{"unknown client", provider.MintRequest{ClientID: "nobody"}, `no client "nobody"`, nil},
		{"unknown user", provider.MintRequest{ClientID: webID, Username: "mallory"}, `no user "mallory"`, nil},
		{"malformed scope", provider.MintRequest{ClientID: webID, Scopes: []string{"a b"}}, "", oauth.ErrInvalidScope},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ts.p.Mint(t.Context(), tc.req)
			require.Error(t, err)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			} else {
				assert.EqualError(t, err, tc.errText)
			}
		})
	}
}

// TestMintLongLivedTokenRevocation: a minted access token outliving the
// usual lifetimes must stay revoked for as long as it is otherwise valid.
func TestMintLongLivedTokenRevocation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}, TTLSeconds: int64(72 * time.Hour / time.Second)})
	require.NoError(t, err)
	assertRevoked(t, ts.revoke(res.RefreshToken, "", webID, webSecret))
	ts.assertAccessDead(res.AccessToken)

	ts.clk.Advance(48 * time.Hour)
	ts.assertAccessDead(res.AccessToken)
	resp := ts.postForm(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {res.RefreshToken}}, webID, webSecret)
	assert.Equal(t, http.StatusBadRequest, resp.status)
}
