package authcode

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
)

func TestParsePageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy func(*Policy)
		query  url.Values
		want   string
	}{
		{"no client_id", oidcLike, merge(webQuery(), url.Values{"client_id": {""}}), "The request has no client_id."},
		{"unknown client", oidcLike, merge(webQuery(), url.Values{"client_id": {"WEB"}}), "Unknown client_id."},
		{"unregistered redirect_uri", oidcLike, merge(webQuery(), url.Values{"redirect_uri": {webRedir + "/"}}), "The redirect_uri is not registered for this client."},
		{"unregistered, the dialect's noun", leagueLike, merge(webQuery(), url.Values{"redirect_uri": {"https://evil.example/cb"}}), "The redirect_uri is not registered for this application."},
		{"omitted with two registered", oidcLike, merge(webQuery(), url.Values{"redirect_uri": {""}}), "The request has no redirect_uri and the client has not registered exactly one."},
		{"omitted where it is required", leagueLike, url.Values{"response_type": {"code"}, "client_id": {"spa"}}, "The request has no redirect_uri."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, tc.policy)
			req, _, perr, err := k.f.Parse(t.Context(), tc.query)
			require.NoError(t, err)
			require.NotNil(t, perr)
			assert.Nil(t, req)
			assert.Equal(t, PageError{Status: http.StatusBadRequest, Message: tc.want}, *perr)
		})
	}
}

func TestParseRedirectedErrors(t *testing.T) {
	t.Parallel()
	spa := url.Values{"response_type": {"code"}, "client_id": {"spa"}, "redirect_uri": {spaRedir}}
	tests := []struct {
		name   string
		policy func(*Policy)
		query  url.Values
		code   oauth.ErrorCode
		desc   string
	}{
		{"no response_type", oidcLike, merge(webQuery(), url.Values{"response_type": {""}}), oauth.CodeInvalidRequest, "response_type is required"},
		{"token, generic", oidcLike, merge(webQuery(), url.Values{"response_type": {"token"}}), oauth.CodeUnsupportedResponseType, "only response_type=code is supported"},
		{"token, the dialect's words", leagueLike, merge(webQuery(), url.Values{"response_type": {"token"}}), oauth.CodeUnsupportedResponseType, "the implicit grant is not available"},
		{"response_mode fragment", oidcLike, merge(webQuery(), url.Values{"response_mode": {"fragment"}}), oauth.CodeInvalidRequest, "only response_mode=query is supported"},
		{"request object", oidcLike, merge(webQuery(), url.Values{"request": {"x"}}), "request_not_supported", "request objects are not supported"},
		{"request_uri", oidcLike, merge(webQuery(), url.Values{"request_uri": {"urn:x"}}), "request_uri_not_supported", "request_uri is not supported"},
		{"client without the grant", oidcLike, merge(webQuery(), url.Values{"client_id": {"service"}}), oauth.CodeUnauthorizedClient, "the client may not use the authorization code grant"},
		{"grant off for the instance", func(p *Policy) { oidcLike(p); p.CodeGrantEnabled = false }, webQuery(), oauth.CodeUnauthorizedClient, "the client may not use the authorization code grant"},
		{"prompt none with login", oidcLike, merge(webQuery(), url.Values{"prompt": {"none login"}}), oauth.CodeInvalidRequest, "prompt=none cannot be combined with other values"},
		{"public client without PKCE", oidcLike, spa, oauth.CodeInvalidRequest, "code_challenge is required (PKCE, RFC 7636)"},
		{"RequirePKCE client without PKCE", leagueLike2, merge(webQuery(), url.Values{"client_id": {"strict"}}), oauth.CodeInvalidRequest, "code_challenge is required (PKCE, RFC 7636)"},
		{"implied plain refused", oidcLike, merge(spa, url.Values{"code_challenge": {challenge}}), oauth.CodeInvalidRequest, "code_challenge_method=plain is not allowed; use S256"},
		{"unknown method", oidcLike, merge(spa, url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S512"}}), oauth.CodeInvalidRequest, "code_challenge_method must be S256 or plain"},
		{"scope refused by the dialect", func(p *Policy) {
			p.Scopes = func(_ fixtures.Client, param string) ([]string, error) {
				return nil, oauth.InvalidScope("no %s", param)
			}
		}, webQuery(), oauth.CodeInvalidScope, "no openid profile"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, tc.policy)
			req, _, perr, err := k.f.Parse(t.Context(), tc.query)
			require.Nil(t, perr)
			require.NotNil(t, req, "a redirected error carries the request")
			var e *oauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.desc, e.Description)
			assert.Equal(t, tc.query.Get("state"), req.State)
		})
	}
}

// leagueLike2 is leagueLike with PKCE honoured, as trackmania's pkce: true.
func leagueLike2(p *Policy) { leagueLike(p); p.PKCE.Honour = true }

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	t.Run("omitted redirect_uri resolves to the only one", func(t *testing.T) {
		k := newKit(t, oidcLike)
		req, _, perr, err := k.f.Parse(t.Context(), url.Values{"response_type": {"code"}, "client_id": {"spa"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}})
		require.Nil(t, perr)
		require.NoError(t, err)
		assert.Equal(t, &Request{ClientID: "spa", RedirectURI: spaRedir, CodeChallenge: challenge, CodeChallengeMethod: oauth.PKCES256}, req)
	})
	t.Run("PKCE not honoured ignores the challenge", func(t *testing.T) {
		k := newKit(t, leagueLike)
		req, _, perr, err := k.f.Parse(t.Context(), merge(webQuery(), url.Values{"code_challenge": {"short"}, "nonce": {"n"}, "prompt": {"none login"}}))
		require.Nil(t, perr)
		require.NoError(t, err)
		assert.Equal(t, &Request{ClientID: "web", RedirectURI: webRedir, RedirectURISent: webRedir, State: "st", Scopes: []string{"openid", "profile"}}, req,
			"no challenge, and no OpenID parameters without Policy.OpenID")
	})
	t.Run("OpenID parameters kept", func(t *testing.T) {
		k := newKit(t, oidcLike)
		req, _, perr, err := k.f.Parse(t.Context(), merge(webQuery(), url.Values{"nonce": {"n-1"}, "prompt": {"login"}, "login_hint": {"bob"}, "response_mode": {"query"}}))
		require.Nil(t, perr)
		require.NoError(t, err)
		assert.Equal(t, "n-1", req.Nonce)
		assert.Equal(t, []string{"login"}, req.Prompt)
		assert.Equal(t, "bob", req.LoginHint)
	})
}

func TestServeAuthorizeRedirects(t *testing.T) {
	t.Parallel()
	t.Run("iss by policy, state kept", func(t *testing.T) {
		for name, pol := range map[string]func(*Policy){"oidc": oidcLike, "league": leagueLike} {
			k := newKit(t, pol)
			rec := k.authorize(merge(webQuery(), url.Values{"response_type": {"token"}}))
			require.Equal(t, http.StatusFound, rec.Code)
			loc, err := url.Parse(rec.Header().Get("Location"))
			require.NoError(t, err)
			assert.Equal(t, "st", loc.Query().Get("state"), name)
			assert.Equal(t, name == "oidc", loc.Query().Has("iss"), name)
			if name == "oidc" {
				assert.Equal(t, issuer, loc.Query().Get("iss"))
			}
			code := k.code(webQuery())
			assert.NotEmpty(t, code)
		}
	})
	t.Run("the subject is named by policy", func(t *testing.T) {
		for name, want := range map[string]string{"SubjectOrUsername": "bob", "Subject": ""} {
			k := newKit(t, func(p *Policy) {
				if name == "Subject" {
					leagueLike(p)
				}
			})
			code := k.code(merge(webQuery(), url.Values{"login_hint": {"bob"}}))
			g, err := k.st.ConsumeCode(t.Context(), code, nil)
			require.NoError(t, err)
			assert.Equal(t, want, g.Subject, name)
			assert.Equal(t, "bob", g.Username)
			assert.Equal(t, webRedir, g.RedirectURI)
			assert.Equal(t, t0, g.AuthTime)
		}
	})
	t.Run("a disabled login_hint is denied", func(t *testing.T) {
		k := newKit(t, nil)
		rec := k.authorize(merge(webQuery(), url.Values{"login_hint": {"dora"}}))
		require.Equal(t, http.StatusFound, rec.Code)
		loc, _ := url.Parse(rec.Header().Get("Location"))
		assert.Equal(t, url.Values{"error": {"access_denied"}, "error_description": {"the user is disabled"}, "state": {"st"}}, loc.Query())
	})
	t.Run("prompt=none on an interactive instance", func(t *testing.T) {
		k := newKit(t, func(p *Policy) { oidcLike(p); p.Interactive = true })
		rec := k.authorize(merge(webQuery(), url.Values{"prompt": {"none"}}))
		loc, _ := url.Parse(rec.Header().Get("Location"))
		assert.Equal(t, url.Values{"error": {"login_required"}, "error_description": {"prompt=none, but the user must sign in"}, "state": {"st"}, "iss": {issuer}}, loc.Query())
	})
	t.Run("malformed parameters are worded by the dialect", func(t *testing.T) {
		k := newKit(t, func(p *Policy) {
			p.Pages.Malformed = func(err error) (string, string) { return "Bad", "Because: " + err.Error() }
			p.Pages.PageNote = "a note"
		})
		rec := httptest.NewRecorder()
		k.f.ServeAuthorize(rec, httptest.NewRequest(http.MethodGet, "/authorize?client_id=web&client_id=web", nil))
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Contains(t, rec.Body.String(), `<p class="error" id="error" role="alert">Because: parameter &#34;client_id&#34; was sent more than once</p>`)
		assert.Contains(t, rec.Body.String(), `<p>a note</p>`)
		assert.Empty(t, rec.Header().Get("Location"))
	})
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	k := newKit(t, func(p *Policy) {
		p.Interactive = true
		p.Pages.Asks, p.Pages.Always, p.Pages.Fallback = " your account", []string{"your id"}, "nothing"
	})
	rec := k.authorize(merge(webQuery(), url.Values{"login_hint": {"bob"}, "scope": {""}}))
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Contains(t, body, `<h1 id="title">Sign in to Web &lt;App&gt;</h1>`)
	assert.Contains(t, body, `asks for access to your account:</p>`)
	assert.Contains(t, body, `<ul id="scopes"><li>your id</li><li>nothing</li></ul>`)
	assert.Contains(t, body, `action="`+issuer+`/decision"`)
	assert.Contains(t, body, `name="username" value="bob"`)
	id := between(body, `name="request_id" value="`, `"`)
	require.NotEmpty(t, id)

	decide := func(form url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/decision", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		k.f.ServeDecision(rec, req)
		return rec
	}
	wrong := decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"bob"}, "password": {"nope"}})
	assert.Equal(t, http.StatusUnauthorized, wrong.Code)
	assert.Contains(t, wrong.Body.String(), "Wrong username or password.")
	ok := decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"bob"}, "password": {"pw-bob"}})
	require.Equal(t, http.StatusFound, ok.Code, ok.Body.String())
	again := decide(url.Values{"request_id": {id}, "action": {"deny"}})
	assert.Equal(t, http.StatusBadRequest, again.Code)
	assert.Contains(t, again.Body.String(), "Sign-in expired")
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}

// TestParseDPoPJKT: dpop_jkt (RFC 9449 §10) is kept when it is a base64url
// SHA-256 thumbprint and the policy binds codes, refused when malformed,
// and ignored by a policy that does not.
func TestParseDPoPJKT(t *testing.T) {
	t.Parallel()
	const good = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
	bad := oauth.InvalidRequest("dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §10)")
	tests := []struct {
		name, jkt string
		policy    func(*Policy)
		want      string
		err       error
	}{
		{"a thumbprint", good, oidcLike, good, nil},
		{"padded", good + "=", oidcLike, "", bad},
		{"standard base64", "0ZcOCORZNYy+DWpqq30jZyJGHTN0d2HglBV3uiguA4I", oidcLike, "", bad},
		{"too short", good[:42], oidcLike, "", bad},
		{"empty", "", oidcLike, "", bad},
		{"not read without the binding", "anything", leagueLike, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, tc.policy)
			q := webQuery()
			q.Set("dpop_jkt", tc.jkt)
			req, _, perr, err := k.f.Parse(t.Context(), q)
			require.Nil(t, perr)
			assert.Equal(t, tc.err, err)
			if tc.err == nil {
				assert.Equal(t, tc.want, req.DPoPJKT)
			}
		})
	}
}
