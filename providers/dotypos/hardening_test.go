package dotypos_test

import (
	"io"
	"net/http"
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

func TestHardening(t *testing.T) {
	frozen := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	am := authmocktest.New(t, authmocktest.WithFrozenAt(frozen))
	clouds := am.ProviderURL("dotypos") + "/v2/clouds"
	own := am.Mint("dotypos", authmocktest.MintRequest{ClientID: "demo-dotypos", Username: "owner"})

	t.Run("two Authorization headers keep the dialect's answer", func(t *testing.T) {
		status, body := send(t, am, http.MethodGet, clouds, "Bearer "+own.AccessToken, "Bearer "+own.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"timestamp":"2026-03-04T05:06:07.000Z","status":401,"error":"Unauthorized","reason":"INVALID_AUTH_HEADER",
			"message":"the Authorization header must be \"Bearer <access token>\""}`, body)
	})

	t.Run("another instance's expired token is invalid, not expired", func(t *testing.T) {
		// oidc signs with the same demo key, under its own issuer; its ID
		// token even has Dotypos's typ.
		oidc := am.Mint("oidc", authmocktest.MintRequest{ClientID: "demo-web", Username: "alice", Scopes: []string{"openid"}})
		am.Advance(48 * time.Hour)
		t.Cleanup(func() { am.Advance(-48 * time.Hour) })
		for name, tok := range map[string]string{"oidc access token": oidc.AccessToken, "oidc ID token": oidc.IDToken} {
			status, body := send(t, am, http.MethodGet, clouds, "Bearer "+tok)
			assert.Equal(t, http.StatusUnauthorized, status, name)
			assert.JSONEq(t, `{"timestamp":"2026-03-06T05:06:07.000Z","status":401,"error":"Unauthorized","reason":"INVALID_ACCESS_TOKEN",
				"message":"the access token is invalid"}`, body, name)
		}
		status, body := send(t, am, http.MethodGet, clouds, "Bearer "+own.AccessToken)
		assert.Equal(t, http.StatusForbidden, status)
		assert.JSONEq(t, `{"timestamp":"2026-03-06T05:06:07.000Z","status":403,"error":"Forbidden","reason":"ACCESS_TOKEN_EXPIRED",
			"message":"the access token expired"}`, body, "its own expired token is expired")
	})
}
