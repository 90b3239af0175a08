package oidc_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

// get sends one request through the whole server chain (the central
// HEAD and Authorization handling live outside the dialect).
func get(t *testing.T, am *authmocktest.Server, method, url string, auth ...string) (int, http.Header, string) {
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
	return res.StatusCode, res.Header, string(b)
}

func TestHardening(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithFrozenAt(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)))
	userinfo := am.ProviderURL("oidc") + "/userinfo"
	tok := am.Mint("oidc", authmocktest.MintRequest{ClientID: "demo-web", Username: "alice", Scopes: []string{"openid"}})

	t.Run("HEAD answers as GET", func(t *testing.T) {
		for _, path := range []string{"/userinfo", "/authorize?client_id=demo-web&response_type=code&redirect_uri=http://localhost:3000/callback"} {
			status, _, body := get(t, am, http.MethodHead, am.ProviderURL("oidc")+path, "Bearer "+tok.AccessToken)
			getStatus, _, _ := get(t, am, http.MethodGet, am.ProviderURL("oidc")+path, "Bearer "+tok.AccessToken)
			assert.Equal(t, getStatus, status, path)
			assert.NotEqual(t, http.StatusMethodNotAllowed, status, path)
			assert.Empty(t, body, path)
		}
	})

	t.Run("two Authorization headers", func(t *testing.T) {
		status, _, body := get(t, am, http.MethodGet, userinfo, "Bearer "+tok.AccessToken, "Bearer "+tok.AccessToken)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.JSONEq(t, `{"error":"invalid_request","error_description":"the request carries 2 Authorization headers; send one"}`, body)
	})

	t.Run("another instance's expired token is invalid, not expired", func(t *testing.T) {
		// dotypos signs with the same demo key, under its own issuer.
		other := am.Mint("dotypos", authmocktest.MintRequest{ClientID: "demo-dotypos", Username: "owner"})
		am.Advance(24 * time.Hour)
		t.Cleanup(func() { am.Advance(-24 * time.Hour) })
		status, h, body := get(t, am, http.MethodGet, userinfo, "Bearer "+other.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"error":"invalid_token","error_description":"the token is not an access token"}`, body)
		assert.Contains(t, h.Get("WWW-Authenticate"), `error="invalid_token"`)

		status, _, body = get(t, am, http.MethodGet, userinfo, "Bearer "+tok.IDToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"error":"invalid_token","error_description":"the token is not an access token"}`, body, "an expired ID token is the wrong kind of token")

		status, _, body = get(t, am, http.MethodGet, userinfo, "Bearer "+tok.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.JSONEq(t, `{"error":"invalid_token","error_description":"the access token expired"}`, body, "its own expired token is expired")
	})
}

// A client that sends a valid token request and leaves at once is not a
// server error: the journal records no 5xx (on the old code most such
// requests were answered 500 "context canceled").
func TestClientThatLeavesIsNoServerError(t *testing.T) {
	am := authmocktest.New(t)
	host := strings.TrimPrefix(am.URL(), "http://")
	const body = "grant_type=client_credentials&scope=api%3Aread"
	req := fmt.Sprintf("POST /oidc/token HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic ZGVtby1zZXJ2aWNlOmRlbW8tc2VydmljZS1zZWNyZXQ=\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", host, len(body), body)
	const n = 50
	for range n {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		_, err = c.Write([]byte(req))
		require.NoError(t, err)
		require.NoError(t, c.Close())
	}
	var got []authmocktest.Exchange
	require.Eventually(t, func() bool {
		got = am.Journal(authmocktest.JournalFilter{Path: "/oidc/token"})
		return len(got) == n
	}, 10*time.Second, 10*time.Millisecond)
	for _, e := range got {
		assert.Less(t, e.Status, 500, "seq %d", e.Seq)
	}
}
