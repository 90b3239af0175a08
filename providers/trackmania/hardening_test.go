package trackmania_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

// send one request through the whole server chain.
func send(t *testing.T, am *authmocktest.Server, method, url string, auth ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	res, err := am.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// JWT mode, signed with the demo key oidc and dotypos use too.
const jwtMode = `{"providers": [{"name": "trackmania", "config": {"access_token_format": "jwt", "keys": [{"builtin": "demo-rs256"}]}}]}`

func TestHardening(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithConfig(jwtMode), authmocktest.WithFrozenAt(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)))
	base := am.ProviderURL("trackmania")
	own := am.Mint("trackmania", authmocktest.MintRequest{ClientID: "demo-trackmania-app", Username: "alice"})

	t.Run("HEAD answers as GET on the /api/ routes", func(t *testing.T) {
		for _, path := range []string{"/api/user", "/api/user/maps/favorite", "/api/display-names?accountId[]=5b4d42f4-c2de-407d-b367-cbff3fe817bc"} {
			getStatus, _ := send(t, am, http.MethodGet, base+path, "Bearer "+own.AccessToken)
			status, body := send(t, am, http.MethodHead, base+path, "Bearer "+own.AccessToken)
			assert.Equal(t, getStatus, status, path)
			assert.NotEqual(t, http.StatusMethodNotAllowed, status, path)
			assert.Empty(t, body, path)
		}
	})

	t.Run("two Authorization headers", func(t *testing.T) {
		status, body := send(t, am, http.MethodGet, base+"/api/user", "Bearer "+own.AccessToken, "Bearer "+own.AccessToken)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.JSONEq(t, `{"error":"invalid_request","error_description":"the request carries 2 Authorization headers; send one"}`, body)

		// The token endpoint words it as league words any invalid_request.
		status, body = send(t, am, http.MethodPost, base+"/api/access_token", "Basic ZGVtby10cmFja21hbmlhLWFwcDpkZW1vLXRyYWNrbWFuaWEtc2VjcmV0", "Basic b3RoZXI6c2VjcmV0")
		assert.Equal(t, http.StatusBadRequest, status)
		const malformed = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
		assert.JSONEq(t, `{"error":"invalid_request","error_description":"`+malformed+`","message":"`+malformed+`","hint":"the request carries 2 Authorization headers; send one"}`, body)
	})

	t.Run("another instance's expired token is invalid, not expired", func(t *testing.T) {
		oidc := am.Mint("oidc", authmocktest.MintRequest{ClientID: "demo-web", Username: "alice", Scopes: []string{"openid"}})
		am.Advance(48 * time.Hour)
		t.Cleanup(func() { am.Advance(-48 * time.Hour) })
		status, body := send(t, am, http.MethodGet, base+"/api/user", "Bearer "+oidc.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"error":"invalid_token","error_description":"the access token is invalid"}`, body)

		// league's tokens carry no iss and a plain "JWT" typ: an ID token
		// signed with the same key is told apart by its shape (no 80-hex
		// jti), before its expiry is judged.
		status, body = send(t, am, http.MethodGet, base+"/api/user", "Bearer "+oidc.IDToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"error":"invalid_token","error_description":"the access token is invalid"}`, body)

		status, body = send(t, am, http.MethodGet, base+"/api/user", "Bearer "+own.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"error":"invalid_token","error_description":"the access token expired"}`, body, "its own expired token is expired")
	})
}

// TestAdminJTIIsTheTokens: Mint's JTI is the jti the token carries (80
// hex characters, league's length), and the admin API revokes by it.
func TestAdminJTIIsTheTokens(t *testing.T) {
	am := authmocktest.New(t)
	base := am.ProviderURL("trackmania")
	minted := am.Mint("trackmania", authmocktest.MintRequest{ClientID: "demo-trackmania-app", Username: "alice"})
	other := am.Mint("trackmania", authmocktest.MintRequest{ClientID: "demo-trackmania-app", Username: "alice"})
	parts := strings.Split(minted.AccessToken, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		JTI string `json:"jti"`
	}
	require.NoError(t, json.Unmarshal(raw, &claims))
	require.Len(t, claims.JTI, 80)
	assert.Equal(t, claims.JTI, minted.JTI)

	assert.Equal(t, authmocktest.Selected{AccessTokens: 1}, am.Revoke("trackmania", authmocktest.TokenSelector{JTI: claims.JTI}))
	status, body := send(t, am, http.MethodGet, base+"/api/user", "Bearer "+minted.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, `{"error":"invalid_token","error_description":"the access token has been revoked"}`, body)
	status, _ = send(t, am, http.MethodGet, base+"/api/user", "Bearer "+other.AccessToken)
	assert.Equal(t, http.StatusOK, status, "one token, by its jti")
}
