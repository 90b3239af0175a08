package oidc

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (ts *testServer) revoke(token, hint, user, pass string) response {
	ts.tb.Helper()
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	return ts.postForm(PathRevoke, form, user, pass)
}

func assertRevoked(t *testing.T, resp response) {
	t.Helper()
	assert.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	assert.Empty(t, resp.body)
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
}

func TestRevokeUnknownToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	for _, hint := range []string{"", "access_token", "refresh_token", "something_else"} {
		assertRevoked(t, ts.revoke("no-such-token", hint, webID, webSecret))
	}
}

func TestRevokeAccessToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	other := ts.codeFlow(nil)
	assertRevoked(t, ts.revoke(tok.AccessToken, "access_token", webID, webSecret))
	ts.assertAccessDead(tok.AccessToken)

	// Only that token: its refresh token and other grants are untouched.
	fresh := ts.tokens(ts.refresh(tok.RefreshToken, nil))
	assert.Equal(t, http.StatusOK, ts.userinfo(fresh.AccessToken).status)
	assert.Equal(t, http.StatusOK, ts.userinfo(other.AccessToken).status)

	assertRevoked(t, ts.revoke(tok.AccessToken, "", webID, webSecret))
}

func TestRevokeRefreshTokenKillsTheGrant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hint string
	}{
		{"with its hint", "refresh_token"},
		{"without a hint", ""},
		{"with the wrong hint", "access_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			first := ts.codeFlow(nil)
			second := ts.tokens(ts.refresh(first.RefreshToken, nil))
			unrelated := ts.codeFlow(nil)

			assertRevoked(t, ts.revoke(second.RefreshToken, tc.hint, webID, webSecret))
			ts.assertRefreshDead(second.RefreshToken)
			ts.assertActive(second.RefreshToken, false)
			ts.assertAccessDead(first.AccessToken)
			ts.assertAccessDead(second.AccessToken)

			assert.Equal(t, http.StatusOK, ts.userinfo(unrelated.AccessToken).status)
			ts.tokens(ts.refresh(unrelated.RefreshToken, nil))
		})
	}
}

func TestRevokeOtherClientsToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	tests := []struct {
		name       string
		token      string
		user, pass string
		form       url.Values
	}{
		{"refresh token by a confidential client", tok.RefreshToken, partnerID, partnerSecret, nil},
		{"access token by a confidential client", tok.AccessToken, partnerID, partnerSecret, nil},
		{"refresh token by a public client", tok.RefreshToken, "", "", url.Values{"client_id": {spaID}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := merge(url.Values{"token": {tc.token}}, tc.form)
			resp := ts.postForm(PathRevoke, form, tc.user, tc.pass)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, errJSON("unauthorized_client", "the token was issued to another client"), resp.String())
			ts.assertActive(tok.AccessToken, true)
			ts.assertActive(tok.RefreshToken, true)
		})
	}
	ts.tokens(ts.refresh(tok.RefreshToken, nil))
}

func TestRevokePublicClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	verifier := "spa-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
	loc := ts.authorize(url.Values{
		"response_type": {"code"}, "client_id": {spaID}, "redirect_uri": {spaRedirect}, "scope": {"openid"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	})
	tok := ts.tokens(ts.postForm(PathToken, url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {spaRedirect},
		"client_id": {spaID}, "code_verifier": {verifier},
	}, "", ""))
	require.NotEmpty(t, tok.RefreshToken)

	assertRevoked(t, ts.postForm(PathRevoke, url.Values{"token": {tok.RefreshToken}, "client_id": {spaID}}, "", ""))
	resp := ts.postForm(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {spaID}}, "", "")
	assert.JSONEq(t, errJSON("invalid_grant", refreshGone), resp.String())
	ts.assertAccessDead(tok.AccessToken)
}

func TestRevokeErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	tests := []struct {
		name       string
		method     string
		form       url.Values
		user, pass string
		status     int
		body       string
	}{
		{"missing token", http.MethodPost, url.Values{}, webID, webSecret, 400, errJSON("invalid_request", "token is required")},
		{"empty token", http.MethodPost, url.Values{"token": {""}}, webID, webSecret, 400, errJSON("invalid_request", "token is required")},
		{"no client authentication", http.MethodPost, url.Values{"token": {tok.RefreshToken}}, "", "", 401, errJSON("invalid_client", "client authentication is required (HTTP Basic, or client_id and client_secret in the body)")},
		{"wrong secret", http.MethodPost, url.Values{"token": {tok.RefreshToken}}, webID, "wrong", 401, errJSON("invalid_client", "client authentication failed")},
		{"GET", http.MethodGet, nil, webID, webSecret, 405, errJSON("invalid_request", "this endpoint accepts POST only")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp response
			if tc.method == http.MethodGet {
				req, err := http.NewRequest(http.MethodGet, ts.url(PathRevoke)+"?token="+url.QueryEscape(tok.RefreshToken), nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", basicAuth(tc.user, tc.pass))
				resp = ts.do(req)
				assert.Equal(t, "POST", resp.header.Get("Allow"))
			} else {
				resp = ts.postForm(PathRevoke, tc.form, tc.user, tc.pass)
			}
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}
	// None of that revoked anything.
	ts.tokens(ts.refresh(tok.RefreshToken, nil))
}
