package fastapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/server"
)

// startServer runs a real authmock server with one fastapi instance,
// mounted at /fastapi and, as with --root fastapi, at / too.
func startServer(t *testing.T) *server.Server {
	t.Helper()
	file := `{"defaults": false, "server": {"addr": "127.0.0.1:0", "root": "fastapi"},
	  "providers": [{"name": "fastapi", "dialect": "fastapi", "mount": "/fastapi", "config": ` + testConfigJSON + `}]}`
	cfg, ps := config.Load([]byte(file), t.TempDir(), map[string]provider.Factory{Dialect: Factory()})
	require.Empty(t, ps, "%v", ps)
	srv, err := server.New(cfg, server.Options{})
	require.NoError(t, err)
	require.NoError(t, srv.Start(t.Context()))
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// TestEndToEnd is a client written from the seed document alone: a form
// login, the refresh-token header, /users/me, the postman refresh, at both
// the instance's mount and the root.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	for _, base := range []string{srv.ProviderURL("fastapi"), srv.URL()} {
		// Root mount first-class: the documented paths work verbatim.
		t.Run(base, func(t *testing.T) {
			post := func(path string, header http.Header, body string) *http.Response {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+path, strings.NewReader(body))
				require.NoError(t, err)
				req.Header = header
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				t.Cleanup(func() { resp.Body.Close() })
				return resp
			}
			login := post("/auth/jwt/login", http.Header{"Content-Type": {formType}, "Accept": {"application/json"}},
				"grant_type=password&username=alice%40example.com&password=alice-password-Qw1&scope=&client_id="+aliceID+"&client_secret=")
			require.Equal(t, http.StatusOK, login.StatusCode)
			tok := decodeTokens(t, login.Body)
			assert.Equal(t, "bearer", tok.TokenType)
			assert.Equal(t, int64(3600), tok.ExpiresIn)

			refreshed := post("/auth/jwt/refresh", http.Header{"refresh-token": {tok.RefreshToken}, "Accept": {"application/json"}}, "")
			require.Equal(t, http.StatusOK, refreshed.StatusCode)
			next := decodeTokens(t, refreshed.Body)

			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/users/me", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+next.AccessToken)
			me, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer me.Body.Close()
			body, _ := io.ReadAll(me.Body)
			require.Equal(t, http.StatusOK, me.StatusCode)
			assert.JSONEq(t, `{"id":"64b7f3a2c9e1d4f5a6b7c8d9","email":"alice@example.com","is_active":true,"is_superuser":true,"is_verified":true}`, string(body))

			postman := post("/auth/jwt/postman-refresh", http.Header{"Content-Type": {formType}, "Authorization": {basic(aliceID + ":")}},
				"refresh_token="+url.QueryEscape(next.RefreshToken)+"&grant_type=refresh_token")
			require.Equal(t, http.StatusOK, postman.StatusCode)

			reused := post("/auth/jwt/refresh", http.Header{"refresh-token": {tok.RefreshToken}}, "")
			assert.Equal(t, http.StatusUnauthorized, reused.StatusCode)
			body, _ = io.ReadAll(reused.Body)
			assert.JSONEq(t, bodyRefreshExpired, string(body))
		})
	}
}

func decodeTokens(t *testing.T, r io.Reader) tokens {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	ts := &testServer{tb: t}
	return ts.tokens(response{status: http.StatusOK, body: string(b)})
}

// TestXOAuth2 drives the dialect with golang.org/x/oauth2: the password
// grant against the login route (x/oauth2 sends grant_type=password,
// username, password and Basic client credentials, which fastapi ignores),
// and the refresh through the Postman route, whose request is exactly what
// x/oauth2's refresh sends when the client id is the account id.
func TestXOAuth2(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	base := srv.ProviderURL("fastapi")
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, http.DefaultClient)

	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		login := oauth2.Config{ClientID: aliceID, Endpoint: oauth2.Endpoint{TokenURL: base + PathLogin, AuthStyle: style}}
		tok, err := login.PasswordCredentialsToken(ctx, aliceEmail, alicePassword)
		require.NoError(t, err)
		assert.Equal(t, "bearer", tok.TokenType)
		assert.Equal(t, int64(3600), tok.ExpiresIn)
		require.NotEmpty(t, tok.RefreshToken)

		// The HTTP client x/oauth2 builds authenticates /users/me.
		me, err := login.Client(ctx, tok).Get(base + PathMe)
		require.NoError(t, err)
		me.Body.Close()
		assert.Equal(t, http.StatusOK, me.StatusCode)

		_, err = login.PasswordCredentialsToken(ctx, aliceEmail, "wrong")
		var re *oauth2.RetrieveError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
		assert.JSONEq(t, bodyBadCredentials, string(re.Body))
	}

	login := oauth2.Config{ClientID: aliceID, Endpoint: oauth2.Endpoint{TokenURL: base + PathLogin}}
	tok, err := login.PasswordCredentialsToken(ctx, aliceEmail, alicePassword)
	require.NoError(t, err)
	refresher := oauth2.Config{ClientID: aliceID, Endpoint: oauth2.Endpoint{TokenURL: base + PathPostmanRefresh, AuthStyle: oauth2.AuthStyleInHeader}}
	stale := *tok
	stale.Expiry = time.Unix(1, 0) // x/oauth2 judges expiry by the wall clock
	fresh, err := refresher.TokenSource(ctx, &stale).Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.RefreshToken, fresh.RefreshToken)

	// The used refresh token again: reuse, and x/oauth2 reports the body.
	_, err = refresher.TokenSource(ctx, &stale).Token()
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
	assert.JSONEq(t, bodyRefreshExpired, string(re.Body))
}
