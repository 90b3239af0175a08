package trackmania

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
)

// TestLeagueInvalidClientChallenge: a failed client authentication is
// league's 401, with WWW-Authenticate: Basic realm="OAuth" when the client
// used Basic, and no challenge when it sent its secret in the body.
func TestLeagueInvalidClientChallenge(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	for _, tc := range []struct {
		name, auth string
		form       url.Values
		challenge  string
	}{
		{"Basic, wrong secret", basicAuth(webID, "wrong"), url.Values{}, `Basic realm="OAuth"`},
		{"Basic, unknown client", basicAuth("nobody", "x"), url.Values{}, `Basic realm="OAuth"`},
		{"Basic, client without the grant", basicAuth(svcID, svcSecret), url.Values{}, `Basic realm="OAuth"`},
		{"body, wrong secret", "", url.Values{"client_id": {webID}, "client_secret": {"wrong"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.form
			form.Set("grant_type", "authorization_code")
			form.Set("code", "whatever")
			form.Set("redirect_uri", webRedirect)
			req, err := http.NewRequest(http.MethodPost, ts.url(PathToken), strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp := ts.do(req)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, tmClientFailed, resp.String())
			assert.Equal(t, tc.challenge, resp.header.Get("WWW-Authenticate"))
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
		})
	}
}

// TestLeagueRendererByRoute: league's bodies are the token endpoint's
// only; the resource routes keep RFC 6750 challenges.
func TestLeagueRendererByRoute(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	// The resource routes keep RFC 6750: a dead token is a Bearer challenge.
	ts.tokens(ts.refresh(tok.RefreshToken), true)
	resp := ts.api(PathUser, "", tok.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.Equal(t, `Bearer realm="`+ts.issuer+`", error="invalid_token", error_description="the access token has been revoked"`, resp.header.Get("WWW-Authenticate"))
	assert.JSONEq(t, errJSON("invalid_token", "the access token has been revoked"), resp.String())
	resp = ts.api(PathUser, "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.Equal(t, `Bearer realm="`+ts.issuer+`"`, resp.header.Get("WWW-Authenticate"))
}

// TestAnotherInstancesJWTIsInvalid: league's tokens carry no iss, so a
// token of another trackmania instance signed with the same key is told
// apart by its jti's check, and refused as invalid (not expired, not
// revoked), on the resource routes and by the admin API.
func TestAnotherInstancesJWTIsInvalid(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	other, err := New(provider.Deps{
		Name: "trackmania-eu", Issuer: "http://127.0.0.1:1/trackmania-eu", Clock: ts.clk, Store: ts.backend.Namespace("trackmania-eu"),
		Logger: slog.New(slog.DiscardHandler), Rand: rand.Reader, MaxBody: testMaxBody,
	}, testConfig(t, nil))
	require.NoError(t, err)
	foreign, err := other.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
	require.NoError(t, err)
	own, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: knownScopes})
	require.NoError(t, err)
	require.Equal(t, strings.Split(own.AccessToken, ".")[0], strings.Split(foreign.AccessToken, ".")[0], "one key, one header")

	ts.assertAccessFails(t, foreign.AccessToken, "the access token is invalid")
	ts.assertAccessWorks(t, own.AccessToken, true)
	_, err = ts.p.Revoke(t.Context(), provider.TokenSelector{Token: foreign.AccessToken})
	assert.ErrorIs(t, err, provider.ErrUnknownToken)
}
