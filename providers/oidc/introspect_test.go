package oidc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIntrospectionAuth(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	at := ts.codeFlow(nil).AccessToken
	tests := []struct {
		name       string
		method     string
		form       url.Values
		user, pass string
		status     int
		body       string
		challenge  string
	}{
		{
			name: "no client authentication", form: url.Values{"token": {at}},
			status: 401, body: errJSON("invalid_client", "client authentication is required (HTTP Basic, or client_id and client_secret in the body)"),
		},
		{
			name: "public client", form: url.Values{"token": {at}, "client_id": {spaID}},
			status: 401, body: errJSON("invalid_client", "introspection requires client authentication"),
		},
		{
			name: "wrong secret with Basic", form: url.Values{"token": {at}}, user: webID, pass: "wrong",
			status: 401, body: errJSON("invalid_client", "client authentication failed"), challenge: `Basic realm="ISSUER"`,
		},
		{
			name: "wrong secret in the body", form: url.Values{"token": {at}, "client_id": {webID}, "client_secret": {"wrong"}},
			status: 401, body: errJSON("invalid_client", "client authentication failed"),
		},
		{
			name: "missing token", form: url.Values{}, user: webID, pass: webSecret,
			status: 400, body: errJSON("invalid_request", "token is required"),
		},
		{
			name: "duplicate token", form: url.Values{"token": {at, at}}, user: webID, pass: webSecret,
			status: 400, body: errJSON("invalid_request", `parameter "token" was sent more than once`),
		},
		{
			name: "GET", method: http.MethodGet, user: webID, pass: webSecret,
			status: 405, body: errJSON("invalid_request", "this endpoint accepts POST only"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp response
			if tc.method == http.MethodGet {
				req, err := http.NewRequest(http.MethodGet, ts.url(PathIntrospect)+"?token="+url.QueryEscape(at), nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", basicAuth(tc.user, tc.pass))
				resp = ts.do(req)
				assert.Equal(t, "POST", resp.header.Get("Allow"))
			} else {
				resp = ts.postForm(PathIntrospect, tc.form, tc.user, tc.pass)
			}
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.Equal(t, strings.ReplaceAll(tc.challenge, "ISSUER", ts.issuer), resp.header.Get("WWW-Authenticate"))
		})
	}
}

func TestIntrospectionActive(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	_, atClaims := decodeJWT(t, tok.AccessToken)
	accessBody, err := json.Marshal(map[string]any{
		"active": true, "scope": webScopes, "client_id": webID, "username": "alice", "token_type": "Bearer",
		"exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "nbf": t0.Unix(), "sub": aliceSubject,
		"aud": []string{webID}, "iss": ts.issuer, "jti": atClaims["jti"],
	})
	require.NoError(t, err)
	refreshBody, err := json.Marshal(map[string]any{
		"active": true, "scope": webScopes, "client_id": webID, "username": "alice", "token_type": "refresh_token",
		"exp": t0.Add(30 * 24 * time.Hour).Unix(), "iat": t0.Unix(), "sub": aliceSubject, "iss": ts.issuer,
	})
	require.NoError(t, err)
	cc := ts.tokens(ts.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}, "scope": {"api:read"}}, serviceID, serviceSecret))
	_, ccClaims := decodeJWT(t, cc.AccessToken)
	ccBody, err := json.Marshal(map[string]any{
		"active": true, "scope": "api:read", "client_id": serviceID, "token_type": "Bearer",
		"exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "nbf": t0.Unix(), "sub": serviceID,
		"aud": []string{serviceID}, "iss": ts.issuer, "jti": ccClaims["jti"],
	})
	require.NoError(t, err)

	tests := []struct {
		name       string
		token      string
		hint       string
		user, pass string
		want       string
	}{
		{"access token", tok.AccessToken, "", webID, webSecret, string(accessBody)},
		{"access token with its hint", tok.AccessToken, "access_token", webID, webSecret, string(accessBody)},
		{"access token with the wrong hint", tok.AccessToken, "refresh_token", webID, webSecret, string(accessBody)},
		{"access token introspected by another client", tok.AccessToken, "", partnerID, partnerSecret, string(accessBody)},
		{"refresh token with its hint", tok.RefreshToken, "refresh_token", webID, webSecret, string(refreshBody)},
		{"refresh token without a hint", tok.RefreshToken, "", webID, webSecret, string(refreshBody)},
		{"refresh token with the wrong hint", tok.RefreshToken, "access_token", webID, webSecret, string(refreshBody)},
		{"refresh token with an unknown hint", tok.RefreshToken, "id_token", webID, webSecret, string(refreshBody)},
		{"client credentials token", cc.AccessToken, "", webID, webSecret, string(ccBody)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"token": {tc.token}}
			if tc.hint != "" {
				form.Set("token_type_hint", tc.hint)
			}
			resp := ts.postForm(PathIntrospect, form, tc.user, tc.pass)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			assert.JSONEq(t, tc.want, resp.String())
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
			assert.Equal(t, "application/json;charset=UTF-8", resp.header.Get("Content-Type"))
		})
	}
}

func TestIntrospectionInactive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token func(ts *testServer) string
	}{
		{"unknown token", func(*testServer) string { return "no-such-token" }},
		{"ID token", func(ts *testServer) string { return ts.codeFlow(nil).IDToken }},
		{"expired access token", func(ts *testServer) string {
			at := ts.codeFlow(nil).AccessToken
			ts.clk.Advance(time.Hour + time.Second)
			return at
		}},
		{"expired refresh token", func(ts *testServer) string {
			rt := ts.codeFlow(nil).RefreshToken
			ts.clk.Advance(31 * 24 * time.Hour)
			return rt
		}},
		{"revoked access token", func(ts *testServer) string {
			at := ts.codeFlow(nil).AccessToken
			require.Equal(ts.tb, http.StatusOK, ts.postForm(PathRevoke, url.Values{"token": {at}}, webID, webSecret).status)
			return at
		}},
		{"revoked refresh token", func(ts *testServer) string {
			rt := ts.codeFlow(nil).RefreshToken
			require.Equal(ts.tb, http.StatusOK, ts.postForm(PathRevoke, url.Values{"token": {rt}}, webID, webSecret).status)
			return rt
		}},
		{"rotated refresh token", func(ts *testServer) string {
			rt := ts.codeFlow(nil).RefreshToken
			ts.tokens(ts.refresh(rt, nil))
			return rt
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			token := tc.token(ts)
			for _, hint := range []string{"", "access_token", "refresh_token"} {
				resp := ts.introspect(token, hint)
				require.Equal(t, http.StatusOK, resp.status)
				assert.JSONEq(t, `{"active":false}`, resp.String(), "hint %q", hint)
			}
		})
	}
}
