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

	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/oauth"
)

// parForm is a pushed authorization request of the web client, with PKCE.
func parForm() url.Values {
	return merge(webAuthParams(), url.Values{"code_challenge": {oauth.S256Challenge(parVerifier)}, "code_challenge_method": {"S256"}})
}

const parVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// push pushes form as the web client and returns the request_uri.
func (ts *testServer) push(form url.Values) string {
	ts.tb.Helper()
	resp := ts.postForm(PathPAR, form, webID, webSecret)
	require.Equal(ts.tb, http.StatusCreated, resp.status, "%s", resp.body)
	uri, _ := resp.json(ts.tb)["request_uri"].(string)
	require.True(ts.tb, strings.HasPrefix(uri, authcode.PushedPrefix), uri)
	return uri
}

func TestPushedAuthorizationRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.postForm(PathPAR, parForm(), webID, webSecret)
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	body := resp.json(t)
	assert.Equal(t, float64(60), body["expires_in"])
	uri, _ := body["request_uri"].(string)
	assert.Regexp(t, `^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$`, uri)
	assert.Len(t, body, 2)

	// Only client_id and request_uri at /authorize: the pushed request
	// stands for the rest, state and nonce included; other parameters are
	// ignored.
	loc := ts.authorize(url.Values{"client_id": {webID}, "request_uri": {uri}, "state": {"ignored"}, "scope": {"openid"}})
	q := assertRedirectTo(t, loc, webRedirect)
	assert.Equal(t, testStateValue, q.Get("state"))
	assert.Equal(t, ts.issuer, q.Get("iss"))
	resp = ts.redeem(q.Get("code"), url.Values{"code_verifier": {parVerifier}})
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	tok := ts.tokens(resp)
	assert.Equal(t, webScopes, tok.Scope)
	assert.Equal(t, testNonceValue, ts.verifyJWT(tok.IDToken)["nonce"])

	t.Run("a public client pushes with its client_id alone", func(t *testing.T) {
		form := url.Values{"response_type": {"code"}, "client_id": {spaID}, "redirect_uri": {spaRedirect},
			"code_challenge": {oauth.S256Challenge(parVerifier)}, "code_challenge_method": {"S256"}}
		resp := ts.postForm(PathPAR, form, "", "")
		require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
		uri, _ := resp.json(t)["request_uri"].(string)
		loc := ts.authorize(url.Values{"client_id": {spaID}, "request_uri": {uri}})
		assert.NotEmpty(t, assertRedirectTo(t, loc, spaRedirect).Get("code"))
	})
}

func TestPushedAuthorizationRequestErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name   string
		method string
		form   url.Values
		user   string
		pass   string
		status int
		body   string
	}{
		{"GET", http.MethodGet, nil, webID, webSecret, 405, errJSON("invalid_request", "the pushed authorization request endpoint accepts POST only")},
		{"no client authentication", "", parForm(), "", "", 401, errJSON("invalid_client", "client authentication failed")},
		{"wrong secret", "", parForm(), webID, "nope", 401, errJSON("invalid_client", "client authentication failed")},
		{"request_uri pushed", "", merge(parForm(), url.Values{"request_uri": {"urn:ietf:params:oauth:request_uri:x"}}), webID, webSecret, 400,
			errJSON("invalid_request", "request_uri must not be sent to the pushed authorization request endpoint")},
		{"client_id of another client", "", merge(parForm(), url.Values{"client_id": {partnerID}}), webID, webSecret, 400,
			errJSON("invalid_request", "client_id does not match the HTTP Basic credentials")},
		{"unregistered redirect_uri", "", merge(parForm(), url.Values{"redirect_uri": {"https://evil.example/cb"}}), webID, webSecret, 400,
			errJSON("invalid_request", "the redirect_uri is not registered for this client")},
		{"no redirect_uri, two registered", "", merge(parForm(), url.Values{"redirect_uri": {""}}), webID, webSecret, 400,
			errJSON("invalid_request", "the request has no redirect_uri and the client has not registered exactly one")},
		{"no response_type", "", merge(parForm(), url.Values{"response_type": {""}}), webID, webSecret, 400,
			errJSON("invalid_request", "response_type is required")},
		{"response_type token", "", merge(parForm(), url.Values{"response_type": {"token"}}), webID, webSecret, 400,
			errJSON("unsupported_response_type", "only response_type=code is supported")},
		{"unknown scope", "", merge(parForm(), url.Values{"scope": {"openid bogus"}}), webID, webSecret, 400,
			errJSON("invalid_scope", `scope "bogus" is not allowed for this client`)},
		{"bad code_challenge", "", merge(parForm(), url.Values{"code_challenge": {"short"}}), webID, webSecret, 400,
			errJSON("invalid_request", "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")},
		{"public client without PKCE", "", url.Values{"response_type": {"code"}, "client_id": {spaID}}, "", "", 400,
			errJSON("invalid_request", "code_challenge is required (PKCE, RFC 7636)")},
		{"client without the code grant", "", merge(parForm(), url.Values{"client_id": {serviceID}, "redirect_uri": {serviceRedir}}), serviceID, serviceSecret, 400,
			errJSON("unauthorized_client", "the client may not use the authorization code grant")},
		{"duplicate parameter", "", nil, webID, webSecret, 400, errJSON("invalid_request", `parameter "state" was sent more than once`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var resp response
			switch {
			case tc.method == http.MethodGet:
				resp = ts.get(PathPAR, nil)
				assert.Equal(t, http.MethodPost, resp.header.Get("Allow"))
			case tc.form == nil:
				req, err := http.NewRequest(http.MethodPost, ts.url(PathPAR), strings.NewReader(parForm().Encode()+"&state=again"))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", basicAuth(tc.user, tc.pass))
				resp = ts.do(req)
			default:
				resp = ts.postForm(PathPAR, tc.form, tc.user, tc.pass)
			}
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
		})
	}
}

func TestPushedRequestURIErrors(t *testing.T) {
	t.Parallel()
	const invalidURI = "the request_uri is unknown, expired, already used, or was pushed by another client"
	refused := func(state string) url.Values {
		q := url.Values{"error": {"invalid_request_uri"}, "error_description": {invalidURI}}
		if state != "" {
			q.Set("state", state)
		}
		return q
	}
	tests := []struct {
		name  string
		query func(ts *testServer) url.Values
		want  url.Values // with iss added; nil: an error page
		page  string
	}{
		{"unknown", func(*testServer) url.Values {
			return url.Values{"client_id": {webID}, "request_uri": {authcode.PushedPrefix + "nope"}, "redirect_uri": {webRedirect}, "state": {"s1"}}
		}, refused("s1"), ""},
		{"used once already", func(ts *testServer) url.Values {
			uri := ts.push(parForm())
			ts.authorize(url.Values{"client_id": {webID}, "request_uri": {uri}})
			return url.Values{"client_id": {webID}, "request_uri": {uri}, "redirect_uri": {webRedirect}}
		}, refused(""), ""},
		{"expired", func(ts *testServer) url.Values {
			uri := ts.push(parForm())
			ts.clk.Advance(61 * time.Second)
			return url.Values{"client_id": {webID}, "request_uri": {uri}, "redirect_uri": {webRedirect}}
		}, refused(""), ""},
		{"another client's", func(ts *testServer) url.Values {
			uri := ts.push(parForm())
			return url.Values{"client_id": {partnerID}, "request_uri": {uri}}
		}, refused(""), ""},
		{"unknown, no redirect_uri to trust", func(*testServer) url.Values {
			return url.Values{"client_id": {webID}, "request_uri": {authcode.PushedPrefix + "nope"}}
		}, nil, "The request_uri is unknown, expired, already used, or was pushed by another client."},
		{"no client_id", func(ts *testServer) url.Values {
			return url.Values{"request_uri": {ts.push(parForm())}}
		}, nil, "The request has no client_id."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			resp := ts.authorizeResp(tc.query(ts))
			if tc.want == nil {
				assertPage(t, resp, http.StatusBadRequest, tc.page)
				return
			}
			require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
			loc, err := url.Parse(resp.header.Get("Location"))
			require.NoError(t, err)
			tc.want.Set("iss", ts.issuer)
			redirect := webRedirect
			if tc.name == "another client's" {
				redirect = partnerRedir
			}
			assert.Equal(t, tc.want, assertRedirectTo(t, loc, redirect))
		})
	}

	t.Run("another client's attempt leaves it to its owner", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, nil)
		uri := ts.push(parForm())
		ts.authorizeResp(url.Values{"client_id": {partnerID}, "request_uri": {uri}})
		q := assertRedirectTo(t, ts.authorize(url.Values{"client_id": {webID}, "request_uri": {uri}}), webRedirect)
		assert.NotEmpty(t, q.Get("code"))
	})
}

func TestPushedRequestsRequired(t *testing.T) {
	t.Parallel()
	required := url.Values{"error": {"invalid_request"}, "error_description": {"the client must push its authorization requests (RFC 9126)"}, "state": {testStateValue}}
	for name, mutate := range map[string]func(*Config){
		"by the instance": func(c *Config) { c.RequirePushedAuthorizationRequests = true },
		"by the client": func(c *Config) {
			c.Clients[0].RequirePushedAuthorizationRequests = true
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mutate)
			require.Equal(t, webID, ts.cfg.Clients[0].ID)
			q := assertRedirectTo(t, ts.authorize(webAuthParams()), webRedirect)
			// Each parallel subtest sets its own issuer on its own copy.
			assert.Equal(t, merge(required, url.Values{"iss": {ts.issuer}}), q)
			uri := ts.push(parForm())
			assert.NotEmpty(t, assertRedirectTo(t, ts.authorize(url.Values{"client_id": {webID}, "request_uri": {uri}}), webRedirect).Get("code"))
			partner := assertRedirectTo(t, ts.authorize(merge(webAuthParams(), url.Values{"client_id": {partnerID}, "redirect_uri": {partnerRedir}})), partnerRedir)
			assert.Equal(t, name == "by the client", partner.Has("code"), "only the client that requires it: %v", partner)
		})
	}
}

func TestPushedRequestRevalidated(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	uri := ts.push(parForm())
	// The admin API drops the pushed redirect_uri before the browser comes.
	web, ok := ts.p.dir.LookupClient(t.Context(), webID)
	require.True(t, ok)
	web.RedirectURIs = []string{webRedirect2}
	raw, err := json.Marshal(web)
	require.NoError(t, err)
	_, err = ts.p.editor.PutFixture(t.Context(), "clients", webID, raw)
	require.NoError(t, err)
	assertPage(t, ts.authorizeResp(url.Values{"client_id": {webID}, "request_uri": {uri}}), http.StatusBadRequest, "The redirect_uri is not registered for this client.")
}
