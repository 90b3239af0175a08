package oidc

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mutate     func(*Config)
		user, pass string
		form       url.Values
		status     int
		body       string   // error body
		keys       []string // success members
		scope      string
		aud        []any
	}{
		{
			name: "default scopes are the client's", user: serviceID, pass: serviceSecret,
			form:   url.Values{},
			status: 200, keys: []string{"access_token", "token_type", "expires_in", "scope"}, scope: "api:read api:write",
			aud: []any{serviceID},
		},
		{
			name: "narrowed scope", user: serviceID, pass: serviceSecret,
			form:   url.Values{"scope": {"api:read"}},
			status: 200, keys: []string{"access_token", "token_type", "expires_in", "scope"}, scope: "api:read",
			aud: []any{serviceID},
		},
		{
			name: "client without declared scopes and no scope", user: partnerID, pass: partnerSecret,
			form:   url.Values{},
			status: 200, keys: []string{"access_token", "token_type", "expires_in"},
			aud: []any{partnerID},
		},
		{
			name:   "configured access token audience",
			mutate: func(c *Config) { c.AccessTokenAudience = "https://api.example.com" },
			user:   serviceID, pass: serviceSecret,
			form:   url.Values{},
			status: 200, keys: []string{"access_token", "token_type", "expires_in", "scope"}, scope: "api:read api:write",
			aud: []any{"https://api.example.com"},
		},
		{
			name: "scope the client may not ask for", user: serviceID, pass: serviceSecret,
			form:   url.Values{"scope": {"api:read openid"}},
			status: 400, body: errJSON("invalid_scope", `scope "openid" is not allowed for this client`),
		},
		{
			name: "scope unknown to the instance", user: partnerID, pass: partnerSecret,
			form:   url.Values{"scope": {"api:delete"}},
			status: 400, body: errJSON("invalid_scope", `scope "api:delete" is not allowed for this client`),
		},
		{
			name:   "public client",
			form:   url.Values{"client_id": {spaID}},
			status: 400, body: errJSON("unauthorized_client", `a public client cannot use grant_type "client_credentials"`),
		},
		{
			name: "client without the grant", user: webID, pass: webSecret,
			form:   url.Values{},
			status: 400, body: errJSON("unauthorized_client", `the client is not allowed to use grant_type "client_credentials"`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tc.mutate)
			form := merge(url.Values{"grant_type": {"client_credentials"}}, tc.form)
			resp := ts.postForm(PathToken, form, tc.user, tc.pass)
			if tc.status != http.StatusOK {
				assert.Equal(t, tc.status, resp.status)
				assert.JSONEq(t, tc.body, resp.String())
				return
			}
			assertTokenBody(t, resp, tc.keys...)
			tok := ts.tokens(resp)
			assert.Equal(t, tc.scope, tok.Scope)
			assert.Equal(t, int64(3600), tok.ExpiresIn)
			header, _ := decodeJWT(t, tok.AccessToken)
			assert.Equal(t, "at+jwt", header["typ"])
			claims := ts.verifyJWT(tok.AccessToken)
			jti := claims["jti"]
			assert.NotEmpty(t, jti)
			want := map[string]any{
				"iss": ts.issuer, "sub": tc.user, "aud": tc.aud, "client_id": tc.user,
				"jti": jti, "iat": unix(0), "nbf": unix(0), "exp": unix(time.Hour),
			}
			if tc.scope != "" {
				want["scope"] = tc.scope
			}
			assert.Equal(t, want, claims, "a client token has no sid, auth_time or user")
		})
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)

	t.Run("with openid", func(t *testing.T) {
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "scope": {"openid email"}}, webID, webSecret)
		assertTokenBody(t, resp, fullTokenKeys...)
		tok := ts.tokens(resp)
		assert.Equal(t, "openid email", tok.Scope)
		claims := ts.verifyJWT(tok.IDToken)
		assert.Equal(t, aliceSubject, claims["sub"])
		assert.Equal(t, webID, claims["aud"])
		assert.Equal(t, unix(0), claims["auth_time"])
		assert.Equal(t, atHash(tok.AccessToken), claims["at_hash"])
		assert.NotContains(t, claims, "nonce")
		assert.Equal(t, "alice@example.com", claims["email"])
		assert.NotContains(t, claims, "name", "profile was not asked for")
		ts.tokens(ts.refresh(tok.RefreshToken, nil))
	})
	t.Run("without openid no ID token", func(t *testing.T) {
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {bobPassword}, "scope": {"profile"}}, webID, webSecret)
		assertTokenBody(t, resp, "access_token", "token_type", "expires_in", "refresh_token", "scope")
	})
	t.Run("public client", func(t *testing.T) {
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {bobPassword}, "scope": {"openid"}, "client_id": {spaID}}, "", "")
		assertTokenBody(t, resp, fullTokenKeys...)
		_, claims := decodeJWT(t, ts.tokens(resp).IDToken)
		assert.Equal(t, "bob", claims["sub"])
		assert.Equal(t, spaID, claims["aud"])
	})

	bad := errJSON("invalid_grant", "invalid username or password")
	tests := []struct {
		name   string
		form   url.Values
		status int
		body   string
	}{
		{"wrong password", url.Values{"username": {"alice"}, "password": {"nope"}}, 400, bad},
		{"password of another user", url.Values{"username": {"alice"}, "password": {bobPassword}}, 400, bad},
		{"unknown user", url.Values{"username": {"mallory"}, "password": {alicePassword}}, 400, bad},
		{"disabled user", url.Values{"username": {"carol"}, "password": {carolPassword}}, 400, bad},
		{"empty password", url.Values{"username": {"alice"}, "password": {""}}, 400, bad},
		{"username case differs", url.Values{"username": {"Alice"}, "password": {alicePassword}}, 400, bad},
		{"missing username", url.Values{"password": {alicePassword}}, 400, errJSON("invalid_request", "username and password are required")},
		{"missing password", url.Values{"username": {"alice"}}, 400, errJSON("invalid_request", "username and password are required")},
		{"scope not supported", url.Values{"username": {"alice"}, "password": {alicePassword}, "scope": {"openid admin"}}, 400, errJSON("invalid_scope", `scope "admin" is not allowed for this client`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"password"}}
			for k, v := range tc.form {
				form[k] = v // not merge: an empty password must be sent
			}
			resp := ts.postForm(PathToken, form, webID, webSecret)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.NotContains(t, resp.String(), alicePassword)
		})
	}
}
