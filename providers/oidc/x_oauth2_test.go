package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authmock/authmock/fixtures"
)

// Credentials with every character form-urlencoding treats specially, so a
// client library that forgets to encode Basic credentials fails.
const (
	oddID     = "odd:client+id &more"
	oddSecret = "s3cr:et+with&odd%chars and spaces=="
)

func withOddClient(c *Config) {
	c.Clients = append(c.Clients, fixtures.Client{
		ID: oddID, Secret: oddSecret, Name: "Odd",
		GrantTypes: []string{"client_credentials"}, Scopes: []string{"api:read", "api:write"},
	})
}

// oauth2Context makes x/oauth2 use the test server's client.
func (ts *testServer) oauth2Context(t *testing.T) context.Context {
	return context.WithValue(t.Context(), oauth2.HTTPClient, ts.srv.Client())
}

// discoveredEndpoint reads the endpoints from the discovery document, as a
// client configured with only the issuer would.
func (ts *testServer) discoveredEndpoint(t *testing.T, style oauth2.AuthStyle) oauth2.Endpoint {
	t.Helper()
	var doc struct {
		Issuer        string `json:"issuer"`
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
	}
	require.NoError(t, json.Unmarshal(ts.get(PathDiscovery, nil).body, &doc))
	require.Equal(t, ts.issuer, doc.Issuer)
	return oauth2.Endpoint{AuthURL: doc.Authorization, TokenURL: doc.Token, AuthStyle: style}
}

func TestXOAuth2ClientCredentials(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, withOddClient)
	tests := []struct {
		name   string
		id     string
		secret string
		style  oauth2.AuthStyle
		scopes []string
		scope  string
	}{
		{"Basic", serviceID, serviceSecret, oauth2.AuthStyleInHeader, nil, "api:read api:write"},
		{"body", serviceID, serviceSecret, oauth2.AuthStyleInParams, []string{"api:read"}, "api:read"},
		{"auto-detect", serviceID, serviceSecret, oauth2.AuthStyleAutoDetect, []string{"api:write"}, "api:write"},
		{"Basic with odd credentials", oddID, oddSecret, oauth2.AuthStyleInHeader, []string{"api:read"}, "api:read"},
		{"body with odd credentials", oddID, oddSecret, oauth2.AuthStyleInParams, nil, "api:read api:write"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := clientcredentials.Config{
				ClientID: tc.id, ClientSecret: tc.secret, Scopes: tc.scopes,
				TokenURL: ts.discoveredEndpoint(t, tc.style).TokenURL, AuthStyle: tc.style,
			}
			tok, err := conf.Token(ts.oauth2Context(t))
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.Empty(t, tok.RefreshToken)
			// clientcredentials does not copy ExpiresIn; the raw member is
			// what it computed Expiry from.
			assert.Equal(t, float64(3600), tok.Extra("expires_in"))
			assert.False(t, tok.Expiry.IsZero())
			assert.Equal(t, tc.scope, tok.Extra("scope"))
			assert.Nil(t, tok.Extra("id_token"))
			claims := ts.verifyJWT(tok.AccessToken)
			assert.Equal(t, tc.id, claims["sub"])
			assert.Equal(t, tc.id, claims["client_id"])
		})
	}

	t.Run("wrong secret", func(t *testing.T) {
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			conf := clientcredentials.Config{ClientID: oddID, ClientSecret: oddSecret + "x", TokenURL: ts.url(PathToken), AuthStyle: style}
			_, err := conf.Token(ts.oauth2Context(t))
			var re *oauth2.RetrieveError
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
			assert.Equal(t, "invalid_client", re.ErrorCode)
		}
	})
}

// followAuthorize requests an x/oauth2 authorization URL and returns the
// code from the redirect, checking state and iss.
func (ts *testServer) followAuthorize(t *testing.T, authURL, redirect, state string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, authURL, nil)
	require.NoError(t, err)
	resp := ts.do(req)
	require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(t, err)
	q := assertRedirectTo(t, loc, redirect)
	require.Empty(t, q.Get("error"), "%s", loc)
	assert.Equal(t, state, q.Get("state"))
	assert.Equal(t, ts.issuer, q.Get("iss"))
	return q.Get("code")
}

func TestXOAuth2AuthorizationCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       string
		secret   string
		redirect string
		style    oauth2.AuthStyle
	}{
		{"confidential client with Basic", webID, webSecret, webRedirect, oauth2.AuthStyleInHeader},
		{"confidential client with body credentials", webID, webSecret, webRedirect2, oauth2.AuthStyleInParams},
		{"public client", spaID, "", spaRedirect, oauth2.AuthStyleInParams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			ctx := ts.oauth2Context(t)
			conf := oauth2.Config{
				ClientID: tc.id, ClientSecret: tc.secret, RedirectURL: tc.redirect,
				Endpoint: ts.discoveredEndpoint(t, tc.style),
				Scopes:   []string{"openid", "profile", "email"},
			}
			verifier := oauth2.GenerateVerifier()
			code := ts.followAuthorize(t, conf.AuthCodeURL("xo-state", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", "xo-nonce")), tc.redirect, "xo-state")

			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.Equal(t, int64(3600), tok.ExpiresIn)
			require.NotEmpty(t, tok.RefreshToken)
			idToken, ok := tok.Extra("id_token").(string)
			require.True(t, ok, "the token response carries an id_token")
			claims := ts.verifyJWT(idToken)
			assert.Equal(t, tc.id, claims["aud"])
			assert.Equal(t, aliceSubject, claims["sub"])
			assert.Equal(t, "xo-nonce", claims["nonce"])
			assert.Equal(t, atHash(tok.AccessToken), claims["at_hash"])

			// The HTTP client x/oauth2 builds sends the token to userinfo.
			info, err := conf.Client(ctx, tok).Get(ts.url(PathUserinfo))
			require.NoError(t, err)
			info.Body.Close()
			assert.Equal(t, http.StatusOK, info.StatusCode)

			// The same code again fails in x/oauth2's error type.
			_, err = conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			var re *oauth2.RetrieveError
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, "invalid_grant", re.ErrorCode)
		})
	}
}

func TestXOAuth2Refresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       string
		secret   string
		redirect string
		style    oauth2.AuthStyle
	}{
		{"confidential client", webID, webSecret, webRedirect, oauth2.AuthStyleInHeader},
		{"public client", spaID, "", spaRedirect, oauth2.AuthStyleInParams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			ctx := ts.oauth2Context(t)
			conf := oauth2.Config{
				ClientID: tc.id, ClientSecret: tc.secret, RedirectURL: tc.redirect,
				Endpoint: ts.discoveredEndpoint(t, tc.style), Scopes: []string{"openid", "email"},
			}
			verifier := oauth2.GenerateVerifier()
			code := ts.followAuthorize(t, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), tc.redirect, "s")
			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			require.NoError(t, err)

			// x/oauth2 judges expiry by the wall clock; an expiry long past
			// makes the token source refresh without reading the time here.
			stale := *tok
			stale.Expiry = time.Unix(1, 0)
			ts.clk.Advance(2 * time.Hour) // the server agrees the access token is dead
			src := conf.TokenSource(ctx, &stale)
			fresh, err := src.Token()
			require.NoError(t, err)
			assert.NotEqual(t, tok.RefreshToken, fresh.RefreshToken, "the refresh token rotated")
			assert.NotEqual(t, tok.AccessToken, fresh.AccessToken)
			assert.NotNil(t, fresh.Extra("id_token"))
			assert.Equal(t, http.StatusOK, ts.userinfo(fresh.AccessToken).status)

			again, err := src.Token()
			require.NoError(t, err)
			assert.Equal(t, fresh.AccessToken, again.AccessToken, "a valid token is reused, not refreshed")

			// The rotated-away token is refused; replaying it kills the new one.
			_, err = conf.TokenSource(ctx, &stale).Token()
			var re *oauth2.RetrieveError
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, "invalid_grant", re.ErrorCode)
			assert.Equal(t, http.StatusUnauthorized, ts.userinfo(fresh.AccessToken).status)
		})
	}
}
