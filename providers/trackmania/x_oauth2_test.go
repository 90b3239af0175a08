package trackmania

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/server"
)

// liveServer is authmock itself (internal/server, with its outer
// middleware and miss handling) serving one trackmania instance.
type liveServer struct {
	srv  *server.Server
	base string // the instance's base URL
	root string // the server's base URL
}

func startLive(t *testing.T, rootMount bool) *liveServer {
	t.Helper()
	srvDoc := map[string]any{"addr": "127.0.0.1:0"}
	if rootMount {
		srvDoc["root"] = "trackmania"
	}
	doc, err := json.Marshal(map[string]any{
		"defaults": false,
		"server":   srvDoc,
		"providers": []any{map[string]any{
			"name": "trackmania", "dialect": Dialect, "mount": "/trackmania",
			"config": json.RawMessage(testConfigJSON),
		}},
	})
	require.NoError(t, err)
	cfg, ps := config.Load(doc, t.TempDir(), map[string]provider.Factory{Dialect: Factory()})
	require.Empty(t, ps)
	srv, err := server.New(cfg, server.Options{Clock: clock.NewFrozen(t0)})
	require.NoError(t, err)
	require.NoError(t, srv.Start(t.Context()))
	t.Cleanup(func() { _ = srv.Close() })
	return &liveServer{srv: srv, base: srv.URL() + "/trackmania", root: srv.URL()}
}

// noRedirect is an HTTP client that shows redirects instead of following
// them, as a browser test would inspect them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// followAuthorize plays the browser: it requests the authorization URL and
// returns the code from the redirect, checking state.
func followAuthorize(t *testing.T, authURL, redirect, state string) string {
	t.Helper()
	resp, err := noRedirect.Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, redirect, loc.Scheme+"://"+loc.Host+loc.Path)
	require.Empty(t, loc.Query().Get("error"), "%s", loc)
	assert.Equal(t, state, loc.Query().Get("state"))
	return loc.Query().Get("code")
}

func getJSON(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestXOAuth2 is a client written from the Trackmania documentation:
// authorize, exchange, call /api/user, refresh with rotation.
func TestXOAuth2(t *testing.T) {
	t.Parallel()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		t.Run(map[oauth2.AuthStyle]string{oauth2.AuthStyleInParams: "credentials in body", oauth2.AuthStyleInHeader: "Basic"}[style], func(t *testing.T) {
			t.Parallel()
			live := startLive(t, false)
			ctx := t.Context()
			conf := oauth2.Config{
				ClientID: webID, ClientSecret: webSecret, RedirectURL: webRedirect,
				Endpoint: oauth2.Endpoint{AuthURL: live.base + "/oauth/authorize", TokenURL: live.base + "/api/access_token", AuthStyle: style},
				Scopes:   []string{"clubs", "read_favorite"},
			}
			code := followAuthorize(t, conf.AuthCodeURL("xo-state"), webRedirect, "xo-state")
			tok, err := conf.Exchange(ctx, code)
			require.NoError(t, err)
			assert.Equal(t, "bearer", tok.TokenType)
			assert.Equal(t, "Bearer", tok.Type())
			assert.Equal(t, int64(3600), tok.ExpiresIn)
			require.NotEmpty(t, tok.RefreshToken)
			assert.Nil(t, tok.Extra("scope"))

			status, body := getJSON(t, conf.Client(ctx, tok), live.base+"/api/user")
			assert.Equal(t, http.StatusOK, status)
			assert.JSONEq(t, `{"accountId":"`+aliceID+`","displayName":"AliceTM"}`, body)
			status, body = getJSON(t, conf.Client(ctx, tok), live.base+"/api/user/clubs/admin")
			assert.Equal(t, http.StatusOK, status)
			assert.JSONEq(t, `{"clubs":[{"id":12730,"name":"Alice Racing"},{"id":42,"name":"Shared Club"}]}`, body)

			// The same code again: x/oauth2's error type, with league's
			// error and hint.
			_, err = conf.Exchange(ctx, code)
			var re *oauth2.RetrieveError
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, "invalid_request", re.ErrorCode)
			assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
			assert.Contains(t, string(re.Body), `"hint":"Authorization code has been revoked"`)
		})
	}
}

func TestXOAuth2Refresh(t *testing.T) {
	t.Parallel()
	live := startLive(t, false)
	ctx := t.Context()
	conf := oauth2.Config{
		ClientID: webID, ClientSecret: webSecret, RedirectURL: webRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: live.base + "/oauth/authorize", TokenURL: live.base + "/api/access_token", AuthStyle: oauth2.AuthStyleInParams},
	}
	tok, err := conf.Exchange(ctx, followAuthorize(t, conf.AuthCodeURL("s"), webRedirect, "s"))
	require.NoError(t, err)

	// x/oauth2 judges expiry by the wall clock; an expiry long past makes
	// the token source refresh.
	stale := *tok
	stale.Expiry = time.Unix(1, 0)
	live.srv.Clock().Advance(2 * time.Hour) // the server agrees the access token is dead
	src := conf.TokenSource(ctx, &stale)
	fresh, err := src.Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.RefreshToken, fresh.RefreshToken, "the refresh token rotated")
	assert.NotEqual(t, tok.AccessToken, fresh.AccessToken)
	status, _ := getJSON(t, oauth2.NewClient(ctx, src), live.base+"/api/user")
	assert.Equal(t, http.StatusOK, status)

	// The rotated-away token is refused (league 8: 401 invalid_request),
	// and its reuse revokes nothing.
	_, err = conf.TokenSource(ctx, &stale).Token()
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, "invalid_request", re.ErrorCode)
	assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
	assert.Contains(t, string(re.Body), `"hint":"Token has been revoked"`)
	status, _ = getJSON(t, conf.Client(ctx, fresh), live.base+"/api/user")
	assert.Equal(t, http.StatusOK, status)
}

func TestXOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	live := startLive(t, false)
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader, oauth2.AuthStyleAutoDetect} {
		conf := clientcredentials.Config{
			ClientID: svcID, ClientSecret: svcSecret, TokenURL: live.base + "/api/access_token",
			Scopes: []string{"clubs"}, AuthStyle: style,
		}
		tok, err := conf.Token(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "bearer", tok.TokenType)
		assert.Empty(t, tok.RefreshToken)
		status, body := getJSON(t, conf.Client(t.Context()), live.base+"/api/display-names?accountId[]="+aliceID+"&accountId[]="+bobID)
		assert.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"`+aliceID+`":"AliceTM","`+bobID+`":"bob"}`, body)
		status, body = getJSON(t, conf.Client(t.Context()), live.base+"/api/display-names/account-ids?displayName[]=AliceTM")
		assert.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"AliceTM":"`+aliceID+`"}`, body)
	}

	conf := clientcredentials.Config{ClientID: svcID, ClientSecret: "wrong", TokenURL: live.base + "/api/access_token", AuthStyle: oauth2.AuthStyleInParams}
	_, err := conf.Token(t.Context())
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
	assert.Equal(t, "invalid_client", re.ErrorCode)
}

// TestLiveServerRoutes checks what the server adds around the dialect:
// the root mount (--root trackmania) and JSON 405s with Allow.
func TestLiveServerRoutes(t *testing.T) {
	t.Parallel()
	live := startLive(t, true)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, http.DefaultClient)
	for _, base := range []string{live.base, live.root} {
		conf := clientcredentials.Config{ClientID: svcID, ClientSecret: svcSecret, TokenURL: base + "/api/access_token", AuthStyle: oauth2.AuthStyleInParams}
		tok, err := conf.Token(ctx)
		require.NoError(t, err, base)
		status, _ := getJSON(t, conf.Client(ctx), base+"/api/display-names?accountId[]="+aliceID)
		assert.Equal(t, http.StatusOK, status, base)
		assert.NotEmpty(t, tok.AccessToken)

		code := followAuthorize(t, base+"/oauth/authorize?"+webAuthParams().Encode(), webRedirect, "st-123")
		assert.NotEmpty(t, code)
	}

	resp, err := http.Post(live.base+"/oauth/authorize", "application/x-www-form-urlencoded", nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
	assert.JSONEq(t, `{"error":"method_not_allowed","error_description":"POST is not allowed on /trackmania/oauth/authorize"}`, string(body))

	resp, err = http.Get(live.base + "/api/user/maps/favorite/add")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
}
