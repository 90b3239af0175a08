package trackmania

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

func TestAuthorizeSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		over     url.Values
		redirect string
		state    string
		user     string // accountId the code is for
	}{
		{"all scopes", nil, webRedirect, "st-123", aliceID},
		{"empty scope", url.Values{"scope": {""}}, webRedirect, "st-123", aliceID},
		{"no state", url.Values{"state": {""}}, webRedirect, "", aliceID},
		{"registered query kept", url.Values{"redirect_uri": {webRedirect2}}, webRedirect2, "st-123", aliceID},
		{"prompt ignored", url.Values{"prompt": {"login"}}, webRedirect, "st-123", aliceID},
		{"login_hint username", url.Values{"login_hint": {"bob"}}, webRedirect, "st-123", bobID},
		{"login_hint accountId", url.Values{"login_hint": {bobID}}, webRedirect, "st-123", bobID},
		{"PKCE parameters ignored", url.Values{"code_challenge": {"short"}, "code_challenge_method": {"S256"}}, webRedirect, "st-123", aliceID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			params := merge(webAuthParams(), tc.over)
			loc := ts.authorize(params)
			reg, err := url.Parse(tc.redirect)
			require.NoError(t, err)
			assert.Equal(t, reg.Scheme+"://"+reg.Host+reg.Path, loc.Scheme+"://"+loc.Host+loc.Path)
			q := loc.Query()
			want := []string{"code"}
			if tc.state != "" {
				want = append(want, "state")
				assert.Equal(t, tc.state, q.Get("state"))
			}
			for k, v := range reg.Query() {
				assert.Equal(t, v, q[k])
				want = append(want, k)
			}
			assert.Len(t, q, len(want), "only code, state and the registered query: %s", loc)
			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {webID}, "client_secret": {webSecret}, "code": {q.Get("code")}, "redirect_uri": {tc.redirect}}
			tok := ts.tokens(ts.token(form), true)
			user := ts.api(PathUser, "", tok.AccessToken)
			assert.Equal(t, tc.user, user.json(t)["accountId"])
		})
	}
}

func TestAuthorizeErrorPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name     string
		rawQuery string
		message  string
	}{
		{"no client_id", merge(webAuthParams(), url.Values{"client_id": {""}}).Encode(), "The request has no client_id."},
		{"unknown client", merge(webAuthParams(), url.Values{"client_id": {"nobody"}}).Encode(), "Unknown client_id."},
		{"no redirect_uri", merge(webAuthParams(), url.Values{"redirect_uri": {""}}).Encode(), "The request has no redirect_uri."},
		{"unregistered redirect_uri", merge(webAuthParams(), url.Values{"redirect_uri": {"https://evil.example.com/cb"}}).Encode(), "The redirect_uri is not registered for this application."},
		{"redirect_uri with a trailing slash", merge(webAuthParams(), url.Values{"redirect_uri": {webRedirect + "/"}}).Encode(), "The redirect_uri is not registered for this application."},
		{"another client's redirect_uri", merge(webAuthParams(), url.Values{"redirect_uri": {limitedRedir}}).Encode(), "The redirect_uri is not registered for this application."},
		{"duplicate client_id", webAuthParams().Encode() + "&client_id=web", `The request is malformed: parameter &#34;client_id&#34; was sent more than once.`},
		{"bad encoding", "client_id=web&redirect_uri=%zz", "The query string is not valid URL encoding."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.request(http.MethodGet, PathAuthorize, tc.rawQuery, "", "", "")
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.Empty(t, resp.header.Get("Location"))
			assert.Equal(t, "text/html; charset=utf-8", resp.header.Get("Content-Type"))
			assert.Equal(t, "DENY", resp.header.Get("X-Frame-Options"))
			assert.Contains(t, resp.String(), `<p class="error" id="error" role="alert">`+tc.message+`</p>`)
		})
	}
}

func TestAuthorizeErrorRedirect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.Clients[0].DefaultUser = "" // falls back to the first user
	})
	tests := []struct {
		name     string
		params   url.Values
		redirect string
		code     string
		desc     string
	}{
		{"implicit", merge(webAuthParams(), url.Values{"response_type": {"token"}}), webRedirect, "unsupported_response_type", "the implicit grant is not available; use response_type=code"},
		{"no response_type", merge(webAuthParams(), url.Values{"response_type": {""}}), webRedirect, "invalid_request", "response_type is required"},
		{"id_token", merge(webAuthParams(), url.Values{"response_type": {"id_token"}}), webRedirect, "unsupported_response_type", "only response_type=code is supported"},
		{"unknown scope", merge(webAuthParams(), url.Values{"scope": {"clubs openid"}}), webRedirect, "invalid_scope", `unknown scope "openid" (have clubs, read_favorite, write_favorite)`},
		{"comma-separated scopes", merge(webAuthParams(), url.Values{"scope": {"clubs,read_favorite"}}), webRedirect, "invalid_scope", `unknown scope "clubs,read_favorite" (have clubs, read_favorite, write_favorite)`},
		{"scope the client may not ask for", url.Values{"response_type": {"code"}, "client_id": {limitedID}, "redirect_uri": {limitedRedir}, "scope": {"read_favorite"}, "state": {"s"}}, limitedRedir, "invalid_scope", `scope "read_favorite" is not allowed for this application`},
		{"unknown login_hint", merge(webAuthParams(), url.Values{"login_hint": {"mallory"}}), webRedirect, "access_denied", "login_hint names no known user"},
		{"disabled user", merge(webAuthParams(), url.Values{"login_hint": {"carol"}}), webRedirect, "access_denied", "the user is disabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := ts.authorize(tc.params)
			assert.Equal(t, tc.redirect, loc.Scheme+"://"+loc.Host+loc.Path)
			want := url.Values{"error": {tc.code}, "error_description": {tc.desc}, "state": tc.params["state"]}
			assert.Equal(t, want, loc.Query())
		})
	}
}

func TestAuthorizeUnauthorizedClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.Clients[1].RedirectURIs = []string{"https://svc.example.com/cb"} })
	loc := ts.authorize(url.Values{"response_type": {"code"}, "client_id": {svcID}, "redirect_uri": {"https://svc.example.com/cb"}})
	assert.Equal(t, url.Values{"error": {"unauthorized_client"}, "error_description": {"the application may not use the authorization code grant"}}, loc.Query())
}

func TestAuthorizePKCE(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.PKCE = true })
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	code := ts.code(url.Values{"code_challenge": {oauth.S256Challenge(verifier)}, "code_challenge_method": {"S256"}})

	resp := ts.redeem(code, url.Values{"code_verifier": {"wrong-wrong-wrong-wrong-wrong-wrong-wrong-wrong"}})
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, tmGrant("Failed to verify `code_verifier`."), resp.String())
	resp = ts.redeem(code, nil)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, tmRequest("Check the `code_verifier` parameter"), resp.String())
	resp = ts.redeem(code, url.Values{"code_verifier": {"short"}})
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, tmRequest("Code Verifier must follow the specifications of RFC-7636."), resp.String())
	ts.tokens(ts.redeem(code, url.Values{"code_verifier": {verifier}}), true)

	loc := ts.authorize(merge(webAuthParams(), url.Values{"code_challenge": {"short"}}))
	assert.Equal(t, "invalid_request", loc.Query().Get("error"))
	assert.Equal(t, "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]", loc.Query().Get("error_description"))
}
