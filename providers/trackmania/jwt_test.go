package trackmania

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
)

func jwtMode(c *Config) { c.AccessTokenFormat = FormatJWT }

func opaqueMode(c *Config) { c.AccessTokenFormat = FormatOpaque }

// strictMode is JWTs with reuse "revoke_grant": a replayed code or a reused
// refresh token revokes the grant.
func strictMode(c *Config) { c.Reuse = ReuseRevokeGrant }

func decodeJWT(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "not a JWS: %q", token)
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, dst))
	}
	return header, claims
}

// payloadJSON is a JWS's payload as sent, for exact assertions on how
// numbers are written.
func payloadJSON(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	return string(raw)
}

var jti80 = regexp.MustCompile(`^[0-9a-f]{80}$`)

// TestJWTAccessTokens: access tokens are league's RS256 JWTs, with exactly
// its claims, the times written as lcobucci/jwt writes them (a
// microsecond fraction), and still verifiable with golang-jwt.
func TestJWTAccessTokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil) // JWT is the default
	ts.clk.Advance(123456 * time.Microsecond)
	tok := ts.codeFlow(url.Values{"scope": {"clubs read_favorite"}})
	header, claims := decodeJWT(t, tok.AccessToken)
	assert.Equal(t, "RS256", header["alg"])
	assert.Equal(t, "JWT", header["typ"])
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"aud", "jti", "iat", "nbf", "exp", "sub", "scopes"}, keys, "exactly league's claims")
	assert.Equal(t, webID, claims["aud"], "aud is the client id, one string")
	assert.Equal(t, aliceID, claims["sub"])
	assert.Equal(t, []any{"clubs", "read_favorite"}, claims["scopes"])
	assert.Regexp(t, jti80, claims["jti"])
	iat := fmt.Sprintf("%d.123456", t0.Unix())
	exp := fmt.Sprintf("%d.123456", t0.Add(time.Hour).Unix())
	assert.Contains(t, payloadJSON(t, tok.AccessToken), `"iat":`+iat+`,"nbf":`+iat+`,"exp":`+exp+`,`, "lcobucci's microsecond numbers, in league's order")

	// golang-jwt accepts the fractions, with the instance's public key.
	var parsed jwt.MapClaims
	_, err := jwt.NewParser(jwt.WithTimeFunc(ts.clk.Now), jwt.WithValidMethods([]string{"RS256"})).ParseWithClaims(tok.AccessToken, &parsed, func(*jwt.Token) (any, error) {
		return ts.p.keys.Active().Public(), nil
	})
	require.NoError(t, err)

	assert.Equal(t, http.StatusOK, ts.api(PathUser, "", tok.AccessToken).status)
	assert.Equal(t, http.StatusOK, ts.api(PathClubsAdmin, "", tok.AccessToken).status)
	assert.Equal(t, http.StatusForbidden, ts.request(http.MethodPost, PathFavoriteAdd, "", tok.AccessToken, "application/json", `{"uid":"m1"}`).status)

	// Client credentials: sub is "", scopes [], and the client is aud.
	ts.clk.Advance(-123456 * time.Microsecond)
	cc := ts.clientToken()
	assert.Equal(t, fmt.Sprintf(`{"aud":"svc","jti":"%s","iat":%d,"nbf":%d,"exp":%d,"sub":"","scopes":[]}`,
		mustClaim(t, cc.AccessToken, "jti"), t0.Unix(), t0.Unix(), t0.Add(time.Hour).Unix()),
		payloadJSON(t, cc.AccessToken), "whole seconds are integers, as lcobucci writes them")
	assert.Equal(t, http.StatusOK, ts.api(PathDisplayNames, "accountId[]="+aliceID, cc.AccessToken).status)
	assert.Equal(t, http.StatusForbidden, ts.api(PathUser, "", cc.AccessToken).status)

	// A tampered token is refused.
	assert.Equal(t, http.StatusUnauthorized, ts.api(PathUser, "", tok.AccessToken[:len(tok.AccessToken)-2]+"AA").status)

	// Revocation works for JWTs too: a refresh revokes the previous access
	// token.
	next := ts.tokens(ts.refresh(tok.RefreshToken), true)
	resp := ts.api(PathUser, "", tok.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, errJSON("invalid_token", "the access token has been revoked"), resp.String())
	assert.Equal(t, http.StatusOK, ts.api(PathUser, "", next.AccessToken).status)

	// Expiry follows the instance clock.
	ts.clk.Advance(time.Hour)
	resp = ts.api(PathDisplayNames, "accountId[]="+aliceID, cc.AccessToken)
	assert.JSONEq(t, errJSON("invalid_token", "the access token expired"), resp.String())
}

func mustClaim(t *testing.T, token, name string) any {
	t.Helper()
	_, claims := decodeJWT(t, token)
	return claims[name]
}

func TestMint(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, opaqueMode)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "bob", Scopes: []string{"clubs"}, TTLSeconds: 60})
	require.NoError(t, err)
	assert.Equal(t, int64(60), res.ExpiresIn)
	assert.NotEmpty(t, res.RefreshToken)
	assert.JSONEq(t, `{"clubs":[{"id":42,"name":"Shared Club"}]}`, ts.api(PathClubsAdmin, "", res.AccessToken).String())
	ts.clk.Advance(time.Minute)
	assert.JSONEq(t, errJSON("invalid_token", "the access token expired"), ts.api(PathUser, "", res.AccessToken).String())
	ts.tokens(ts.refresh(res.RefreshToken), true)

	cc, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: svcID})
	require.NoError(t, err)
	assert.Empty(t, cc.RefreshToken)
	assert.Equal(t, int64(3600), cc.ExpiresIn)
	assert.Equal(t, http.StatusOK, ts.api(PathDisplayNames, "accountId[]="+aliceID, cc.AccessToken).status)

	for _, tc := range []struct {
		name string
		req  provider.MintRequest
		err  string
	}{
		{"unknown client", provider.MintRequest{ClientID: "nobody"}, `no client "nobody"`},
		{"no client", provider.MintRequest{Username: "alice"}, "client_id is required: Trackmania tokens are always issued to an app"},
		{"unknown user", provider.MintRequest{ClientID: webID, Username: "mallory"}, `no user "mallory"`},
		{"unknown scope", provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}}, `invalid_scope: unknown scope "openid" (have clubs, read_favorite, write_favorite)`},
		{"claims on opaque tokens", provider.MintRequest{ClientID: webID, Claims: map[string]any{"x": 1}}, `extra claims need "access_token_format": "jwt"; opaque tokens carry none`},
	} {
		_, err := ts.p.Mint(t.Context(), tc.req)
		assert.EqualError(t, err, tc.err, tc.name)
	}
}

func TestMintJWTClaims(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, jwtMode)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Claims: map[string]any{"team": "red", "sub": "forged"}})
	require.NoError(t, err)
	_, claims := decodeJWT(t, res.AccessToken)
	assert.Equal(t, "red", claims["team"])
	assert.Equal(t, aliceID, claims["sub"], "extras cannot override standard claims")
	assert.Equal(t, http.StatusOK, ts.api(PathUser, "", res.AccessToken).status)
}

func TestDescribeAndReset(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.p.Describe()
	assert.Equal(t, Dialect, d.Dialect)
	names := map[string]string{}
	for _, e := range d.Endpoints {
		names[e.Name] = e.URL
	}
	assert.Equal(t, ts.url(PathAuthorize), names["authorize"])
	assert.Equal(t, ts.url(PathToken), names["token"])
	assert.Equal(t, ts.url(PathUser), names["user"])
	require.Len(t, d.Clients, 3)
	assert.Equal(t, provider.DescribedClient{ID: limitedID, Secret: limitedSecret, RedirectURIs: []string{limitedRedir}, Note: "confidential; approves as bob"}, d.Clients[0])
	assert.Equal(t, provider.DescribedUser{Username: "alice", Password: alicePassword}, d.Users[0])

	require.True(t, ts.p.dir.DeleteClient(webID))
	require.NoError(t, ts.p.Reset(t.Context()))
	_, ok := ts.p.dir.LookupClient(t.Context(), webID)
	assert.True(t, ok, "reset restores the configured clients")
}
