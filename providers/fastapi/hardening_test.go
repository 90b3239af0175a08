package fastapi_test

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
func send(t *testing.T, am *authmocktest.Server, method, url string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	req.Header = header
	res, err := am.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

func TestHardening(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithFrozenAt(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)))
	base := am.ProviderURL("fastapi")
	tok := am.Mint("fastapi", authmocktest.MintRequest{Username: "alice@example.com"})

	t.Run("HEAD answers as GET on /users/me", func(t *testing.T) {
		status, body := send(t, am, http.MethodHead, base+"/users/me", http.Header{"Authorization": {"Bearer " + tok.AccessToken}})
		assert.Equal(t, http.StatusOK, status)
		assert.Empty(t, body)
	})

	t.Run("two Authorization headers", func(t *testing.T) {
		status, body := send(t, am, http.MethodGet, base+"/users/me", http.Header{"Authorization": {"Bearer " + tok.AccessToken, "Bearer " + tok.AccessToken}})
		assert.Equal(t, http.StatusBadRequest, status)
		assert.JSONEq(t, `{"detail":"the request carries 2 Authorization headers; send one"}`, body)
	})

	t.Run("an expired token of another kind is invalid, not expired", func(t *testing.T) {
		am.Advance(90 * 24 * time.Hour)
		t.Cleanup(func() { am.Advance(-90 * 24 * time.Hour) })
		// The access token offered as a refresh token: the wrong audience.
		status, body := send(t, am, http.MethodPost, base+"/auth/jwt/refresh", http.Header{
			"Authorization": {"Bearer " + tok.AccessToken}, "Refresh-Token": {tok.AccessToken},
		})
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"detail":"Invalid Refresh token"}`, body)

		status, body = send(t, am, http.MethodPost, base+"/auth/jwt/refresh", http.Header{
			"Authorization": {"Bearer " + tok.AccessToken}, "Refresh-Token": {tok.RefreshToken},
		})
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"detail":"Refresh token expired; Please login again"}`, body, "its own expired refresh token is expired")
	})
}
