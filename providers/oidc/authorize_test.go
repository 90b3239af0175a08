package oidc

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A valid S256 pair; the challenge is computed here rather than with the
// code under test.
var (
	rfcVerifier  = "dBjftJeZ4CVP-mJ92K1ugWmZ7ZKABwlsWBw7DQAj2wc"
	rfcChallenge = s256(rfcVerifier)
)

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// assertPage checks an HTML page that must not redirect.
func assertPage(t *testing.T, resp response, status int, contains string) {
	t.Helper()
	assert.Equal(t, status, resp.status, "%s", resp.body)
	assert.Equal(t, "text/html; charset=utf-8", resp.header.Get("Content-Type"))
	assert.Equal(t, "DENY", resp.header.Get("X-Frame-Options"))
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	assert.Contains(t, resp.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	assert.Empty(t, resp.header.Get("Location"), "a page error must not redirect")
	assert.Contains(t, resp.String(), html.EscapeString(contains))
}

func TestAuthorizePageErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	const (
		notRegistered = "The redirect_uri is not registered for this client."
		noRedirect    = "The request has no redirect_uri and the client has not registered exactly one."
	)
	tests := []struct {
		name     string
		query    string // raw query, so malformed and duplicate ones can be sent
		contains string
	}{
		{"missing client_id", "response_type=code&redirect_uri=" + url.QueryEscape(webRedirect), "The request has no client_id."},
		{"empty client_id", "response_type=code&client_id=", "The request has no client_id."},
		{"unknown client", "response_type=code&client_id=nobody&redirect_uri=" + url.QueryEscape(webRedirect), "Unknown client_id."},
		{"client_id case differs", "response_type=code&client_id=WEB&redirect_uri=" + url.QueryEscape(webRedirect), "Unknown client_id."},
		{"unregistered redirect_uri", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape("https://evil.example/cb"), notRegistered},
		{"redirect_uri with trailing slash", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape(webRedirect+"/"), notRegistered},
		{"redirect_uri with another port", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape("https://app.example.com:8443/cb"), notRegistered},
		{"redirect_uri with extra query", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape(webRedirect+"?x=1"), notRegistered},
		{"redirect_uri with fragment", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape(webRedirect+"#f"), notRegistered},
		{"redirect_uri with other scheme", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape("http://app.example.com/cb"), notRegistered},
		{"redirect_uri with upper-case host", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape("https://APP.example.com/cb"), notRegistered},
		{"registered query missing", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape("https://app.example.com/cb2"), notRegistered},
		{"redirect_uri of another client", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape(partnerRedir), notRegistered},
		{"missing redirect_uri with several registered", "response_type=code&client_id=web", noRedirect},
		{"bad redirect_uri and bad response_type", "response_type=token&client_id=web&redirect_uri=" + url.QueryEscape("https://evil.example/cb"), notRegistered},
		{"duplicate parameter", "response_type=code&client_id=web&redirect_uri=" + url.QueryEscape(webRedirect) + "&state=a&state=b", `parameter "state" was sent more than once`},
		{"duplicate client_id", "response_type=code&client_id=web&client_id=partner&redirect_uri=" + url.QueryEscape(webRedirect), `parameter "client_id" was sent more than once`},
		{"malformed query", "response_type=code&client_id=web&redirect_uri=%zz", "the query string is not valid URL encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, ts.url(PathAuthorize)+"?"+tc.query, nil)
			require.NoError(t, err)
			assertPage(t, ts.do(req), http.StatusBadRequest, tc.contains)
		})
	}
}

func TestAuthorizeRedirectedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(*Config)
		params   url.Values
		redirect string
		code     string
		desc     string
	}{
		{
			name:   "missing response_type",
			params: merge(webAuthParams(), url.Values{"response_type": {""}}),
			code:   "invalid_request", desc: "response_type is required",
		},
		{
			name:   "response_type token",
			params: merge(webAuthParams(), url.Values{"response_type": {"token"}}),
			code:   "unsupported_response_type", desc: "only response_type=code is supported",
		},
		{
			name:   "response_type code id_token",
			params: merge(webAuthParams(), url.Values{"response_type": {"code id_token"}}),
			code:   "unsupported_response_type", desc: "only response_type=code is supported",
		},
		{
			name:   "response_mode fragment",
			params: merge(webAuthParams(), url.Values{"response_mode": {"fragment"}}),
			code:   "invalid_request", desc: "only response_mode=query is supported",
		},
		{
			name:   "response_mode form_post",
			params: merge(webAuthParams(), url.Values{"response_mode": {"form_post"}}),
			code:   "invalid_request", desc: "only response_mode=query is supported",
		},
		{
			name:   "request object",
			params: merge(webAuthParams(), url.Values{"request": {"eyJhbGciOiJub25lIn0.e30."}}),
			code:   "request_not_supported", desc: "request objects are not supported",
		},
		{
			name:   "request_uri",
			params: merge(webAuthParams(), url.Values{"request_uri": {"https://app.example.com/request.jwt"}}),
			code:   "request_uri_not_supported", desc: "request_uri is not supported",
		},
		{
			name:   "unknown scope",
			params: merge(webAuthParams(), url.Values{"scope": {"openid admin"}}),
			code:   "invalid_scope", desc: `scope "admin" is not allowed for this client`,
		},
		{
			name:   "malformed scope",
			params: merge(webAuthParams(), url.Values{"scope": {`openid "quoted"`}}),
			code:   "invalid_scope", desc: `scope "\"quoted\"" contains characters RFC 6749 §3.3 does not allow`,
		},
		{
			name:     "public client without code_challenge",
			params:   url.Values{"response_type": {"code"}, "client_id": {spaID}, "redirect_uri": {spaRedirect}, "scope": {"openid"}, "state": {testStateValue}},
			redirect: spaRedirect,
			code:     "invalid_request", desc: "code_challenge is required (PKCE, RFC 7636)",
		},
		{
			name:   "confidential client requiring PKCE without code_challenge",
			mutate: func(c *Config) { c.Clients[0].RequirePKCE = true },
			params: webAuthParams(),
			code:   "invalid_request", desc: "code_challenge is required (PKCE, RFC 7636)",
		},
		{
			name:   "unknown code_challenge_method",
			params: merge(webAuthParams(), url.Values{"code_challenge": {rfcChallenge}, "code_challenge_method": {"S512"}}),
			code:   "invalid_request", desc: "code_challenge_method must be S256 or plain",
		},
		{
			name:   "code_challenge_method without code_challenge",
			params: merge(webAuthParams(), url.Values{"code_challenge_method": {"S256"}}),
			code:   "invalid_request", desc: "code_challenge_method was sent without code_challenge",
		},
		{
			name:   "code_challenge too short",
			params: merge(webAuthParams(), url.Values{"code_challenge": {"abc"}, "code_challenge_method": {"S256"}}),
			code:   "invalid_request", desc: "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
		},
		{
			name:   "plain PKCE disallowed by config",
			mutate: func(c *Config) { c.AllowPlainPKCE = false },
			params: merge(webAuthParams(), url.Values{"code_challenge": {rfcVerifier}, "code_challenge_method": {"plain"}}),
			code:   "invalid_request", desc: "code_challenge_method=plain is not allowed; use S256",
		},
		{
			// RFC 7636 §4.3: an omitted method means plain, so it is
			// refused too when plain is off.
			name:   "omitted PKCE method disallowed by config",
			mutate: func(c *Config) { c.AllowPlainPKCE = false },
			params: merge(webAuthParams(), url.Values{"code_challenge": {rfcVerifier}}),
			code:   "invalid_request", desc: "code_challenge_method=plain is not allowed; use S256",
		},
		{
			name:     "client not allowed the authorization code grant",
			params:   url.Values{"response_type": {"code"}, "client_id": {serviceID}, "redirect_uri": {serviceRedir}, "state": {testStateValue}},
			redirect: serviceRedir,
			code:     "unauthorized_client", desc: "the client may not use the authorization code grant",
		},
		{
			name:   "instance without the authorization code grant",
			mutate: func(c *Config) { c.GrantTypes = []string{"client_credentials"} },
			params: url.Values{"response_type": {"code"}, "client_id": {partnerID}, "redirect_uri": {partnerRedir}, "state": {testStateValue}},
			code:   "unauthorized_client", desc: "the client may not use the authorization code grant", redirect: partnerRedir,
		},
		{
			name:   "login_hint names an unknown user",
			params: merge(webAuthParams(), url.Values{"login_hint": {"mallory"}}),
			code:   "access_denied", desc: "login_hint names no known user",
		},
		{
			name:   "login_hint names a disabled user",
			params: merge(webAuthParams(), url.Values{"login_hint": {"carol"}}),
			code:   "access_denied", desc: "the user is disabled",
		},
		{
			name:   "prompt none combined with login",
			params: merge(webAuthParams(), url.Values{"prompt": {"none login"}}),
			code:   "invalid_request", desc: "prompt=none cannot be combined with other values",
		},
		{
			name:   "prompt none with interactive login",
			mutate: func(c *Config) { c.Interactive = true },
			params: merge(webAuthParams(), url.Values{"prompt": {"none"}}),
			code:   "login_required", desc: "prompt=none, but the user must sign in",
		},
		{
			name:     "error to the registered URI with a query",
			params:   merge(webAuthParams(), url.Values{"redirect_uri": {webRedirect2}, "response_type": {"token"}}),
			redirect: webRedirect2,
			code:     "unsupported_response_type", desc: "only response_type=code is supported",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tc.mutate)
			redirect := tc.redirect
			if redirect == "" {
				redirect = webRedirect
			}
			q := assertRedirectTo(t, ts.authorize(tc.params), redirect)
			assert.Equal(t, url.Values{
				"error":             {tc.code},
				"error_description": {tc.desc},
				"state":             {testStateValue},
				"iss":               {ts.issuer},
			}, q)
		})
	}
}

func TestAuthorizeErrorWithoutState(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	q := assertRedirectTo(t, ts.authorize(merge(webAuthParams(), url.Values{"state": {""}, "response_type": {"token"}})), webRedirect)
	assert.Equal(t, url.Values{
		"error":             {"unsupported_response_type"},
		"error_description": {"only response_type=code is supported"},
		"iss":               {ts.issuer},
	}, q)
}

func TestAuthorizeSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		params   url.Values
		redirect string // registered URI the response goes to
		tokenRU  string // redirect_uri to send at the token endpoint
		extra    url.Values
		sub      string
	}{
		{
			name:     "default user",
			params:   webAuthParams(),
			redirect: webRedirect, tokenRU: webRedirect, sub: aliceSubject,
		},
		{
			name:     "registered URI with a query keeps it",
			params:   merge(webAuthParams(), url.Values{"redirect_uri": {webRedirect2}}),
			redirect: webRedirect2, tokenRU: webRedirect2, sub: aliceSubject,
		},
		{
			name:     "login_hint by username",
			params:   merge(webAuthParams(), url.Values{"login_hint": {"bob"}}),
			redirect: webRedirect, tokenRU: webRedirect, sub: "bob",
		},
		{
			name:     "login_hint by subject",
			params:   merge(webAuthParams(), url.Values{"login_hint": {aliceSubject}, "client_id": {partnerID}, "redirect_uri": {partnerRedir}}),
			redirect: partnerRedir, tokenRU: partnerRedir, sub: aliceSubject,
		},
		{
			name:     "response_mode query and prompt none",
			params:   merge(webAuthParams(), url.Values{"response_mode": {"query"}, "prompt": {"none"}}),
			redirect: webRedirect, tokenRU: webRedirect, sub: aliceSubject,
		},
		{
			name:     "public client with its only redirect URI omitted",
			params:   url.Values{"response_type": {"code"}, "client_id": {spaID}, "scope": {"openid"}, "state": {testStateValue}, "code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}},
			redirect: spaRedirect, extra: url.Values{"code_verifier": {rfcVerifier}}, sub: aliceSubject,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			resp := ts.authorizeResp(tc.params)
			require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
			loc, err := url.Parse(resp.header.Get("Location"))
			require.NoError(t, err)
			q := assertRedirectTo(t, loc, tc.redirect)
			code := q.Get("code")
			require.NotEmpty(t, code)
			assert.Equal(t, url.Values{"code": {code}, "state": {testStateValue}, "iss": {ts.issuer}}, q)

			clientID := tc.params.Get("client_id")
			form := merge(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {tc.tokenRU}}, tc.extra)
			var tokResp response
			switch clientID {
			case spaID:
				form.Set("client_id", spaID)
				tokResp = ts.postForm(PathToken, form, "", "")
			case partnerID:
				tokResp = ts.postForm(PathToken, form, partnerID, partnerSecret)
			default:
				tokResp = ts.postForm(PathToken, form, webID, webSecret)
			}
			tok := ts.tokens(tokResp)
			_, claims := decodeJWT(t, tok.IDToken)
			assert.Equal(t, tc.sub, claims["sub"])
			assert.Equal(t, clientID, claims["aud"])
		})
	}
}

func TestAuthorizePost(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	t.Run("form body", func(t *testing.T) {
		resp := ts.postForm(PathAuthorize, webAuthParams(), "", "")
		require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
		loc, err := url.Parse(resp.header.Get("Location"))
		require.NoError(t, err)
		q := assertRedirectTo(t, loc, webRedirect)
		assert.Equal(t, testStateValue, q.Get("state"))
		ts.tokens(ts.redeem(q.Get("code"), nil))
	})
	t.Run("query is ignored for POST", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, ts.url(PathAuthorize)+"?"+webAuthParams().Encode(), strings.NewReader(""))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		assertPage(t, ts.do(req), http.StatusBadRequest, "The request has no client_id.")
	})
	t.Run("not a form", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, ts.url(PathAuthorize), strings.NewReader(`{"client_id":"web"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		assertPage(t, ts.do(req), http.StatusBadRequest, "the request body must be application/x-www-form-urlencoded")
	})
	t.Run("duplicate parameter", func(t *testing.T) {
		form := webAuthParams()
		form.Add("scope", "openid")
		assertPage(t, ts.postForm(PathAuthorize, form, "", ""), http.StatusBadRequest, `parameter "scope" was sent more than once`)
	})
	t.Run("other methods are not routed", func(t *testing.T) {
		// The server's miss handler turns this into a 405 with Allow; the
		// dialect only has to leave the method unrouted.
		req, err := http.NewRequest(http.MethodPut, ts.url(PathAuthorize), nil)
		require.NoError(t, err)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, ts.do(req).status)
	})
}

// TestAuthorizeEscaping: text from the configuration and from the request
// reaches pages only through html/template escaping.
func TestAuthorizeEscaping(t *testing.T) {
	t.Parallel()
	const xss = `<script>alert(1)</script>`
	ts := newTestServer(t, func(c *Config) {
		c.Interactive = true
		c.Clients[0].Name = xss
	})

	t.Run("client name on the login page", func(t *testing.T) {
		resp := ts.authorizeResp(merge(webAuthParams(), url.Values{"login_hint": {`"><img src=x onerror=alert(2)>`}}))
		require.Equal(t, http.StatusOK, resp.status)
		body := resp.String()
		assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
		assert.NotContains(t, body, xss)
		assert.NotContains(t, body, "<img")
	})
	t.Run("parameter name in an error page", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, ts.url(PathAuthorize)+"?"+url.QueryEscape(xss)+"=1&"+url.QueryEscape(xss)+"=2", nil)
		require.NoError(t, err)
		resp := ts.do(req)
		assertPage(t, resp, http.StatusBadRequest, "was sent more than once")
		assert.Contains(t, resp.String(), "&lt;script&gt;alert(1)&lt;/script&gt;")
		assert.NotContains(t, resp.String(), xss)
	})
}

// TestAuthorizeCodesAreDistinct: two authorizations give two codes, each
// redeemable once.
func TestAuthorizeCodesAreDistinct(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	a, b := ts.code(nil), ts.code(nil)
	assert.NotEqual(t, a, b)
	ts.tokens(ts.redeem(a, nil))
	ts.tokens(ts.redeem(b, nil))
}
