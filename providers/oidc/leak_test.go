package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoLeaks sends bad requests to every endpoint and checks that no
// response reveals internals (file positions, panics, stack traces, store
// details) or a credential.
func TestNoLeaks(t *testing.T) {
	t.Parallel()
	secrets := []string{webSecret, partnerSecret, serviceSecret, alicePassword, bobPassword, carolPassword}
	internals := []string{".go:", "panic", "runtime", "goroutine", "sql", "store:", "jwtutil", "golang-jwt", "crypto/"}
	form := "application/x-www-form-urlencoded"

	type request struct {
		name        string
		method      string
		path        string
		contentType string
		auth        string
		body        string
	}
	requests := []request{
		{"authorize without client", http.MethodGet, PathAuthorize + "?client_secret=" + url.QueryEscape(webSecret), "", "", ""},
		{"authorize malformed query", http.MethodGet, PathAuthorize + "?client_id=web&x=%zz&password=" + url.QueryEscape(alicePassword), "", "", ""},
		{"authorize duplicate", http.MethodGet, PathAuthorize + "?client_id=web&client_id=web", "", "", ""},
		{"authorize bad scope", http.MethodGet, PathAuthorize + "?" + merge(webAuthParams(), url.Values{"scope": {"openid \x00"}}).Encode(), "", "", ""},
		{"authorize POST not a form", http.MethodPost, PathAuthorize, "application/json", "", `{"client_id":"web"}`},
		{"authorize POST huge", http.MethodPost, PathAuthorize, form, "", "client_id=web&pad=" + strings.Repeat("x", testMaxBody+10)},
		{"decision unknown request", http.MethodPost, PathAuthorizeDecision, form, "", "request_id=nope&action=allow&username=alice&password=" + url.QueryEscape(alicePassword)},
		{"decision malformed", http.MethodPost, PathAuthorizeDecision, form, "", "request_id=%zz&password=" + url.QueryEscape(bobPassword)},
		{"token wrong secret", http.MethodPost, PathToken, form, basicAuth(webID, partnerSecret), "grant_type=password&username=alice&password=x"},
		{"token two methods", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=client_credentials&client_secret=" + url.QueryEscape(webSecret)},
		{"token bad basic", http.MethodPost, PathToken, form, "Basic %%%" + webSecret, "grant_type=client_credentials"},
		{"token wrong password", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=password&username=bob&password=" + url.QueryEscape(alicePassword)},
		{"token disabled user", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=password&username=carol&password=" + url.QueryEscape(carolPassword)},
		{"token garbage code", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=authorization_code&code=%00%ff&redirect_uri=x"},
		{"token garbage refresh", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=refresh_token&refresh_token=" + strings.Repeat("A", 5000)},
		{"token bad verifier", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=authorization_code&code=x&code_verifier=%E2%82%AC"},
		{"token malformed form", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=%zz"},
		{"token JSON", http.MethodPost, PathToken, "application/json", basicAuth(webID, webSecret), `{"grant_type":"client_credentials"}`},
		{"token huge", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=client_credentials&pad=" + strings.Repeat("x", testMaxBody+10)},
		{"token GET", http.MethodGet, PathToken, "", basicAuth(webID, webSecret), ""},
		{"token unknown grant", http.MethodPost, PathToken, form, basicAuth(webID, webSecret), "grant_type=" + url.QueryEscape("<script>")},
		{"userinfo garbage", http.MethodGet, PathUserinfo, "", "Bearer eyJhbGciOiJub25lIn0.eyJ9.%%%", ""},
		{"userinfo bad kid", http.MethodGet, PathUserinfo, "", "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.e30.c2ln", ""},
		{"userinfo crit", http.MethodGet, PathUserinfo, "", "Bearer eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiYiJdfQ.e30.c2ln", ""},
		{"userinfo huge form", http.MethodPost, PathUserinfo, form, "", "access_token=" + strings.Repeat("x", testMaxBody+10)},
		{"userinfo basic", http.MethodGet, PathUserinfo, "", basicAuth(webID, webSecret), ""},
		{"introspect no auth", http.MethodPost, PathIntrospect, form, "", "token=x&client_secret=" + url.QueryEscape(webSecret)},
		{"introspect wrong secret", http.MethodPost, PathIntrospect, form, basicAuth(webID, serviceSecret), "token=x"},
		{"introspect GET", http.MethodGet, PathIntrospect, "", basicAuth(webID, webSecret), ""},
		{"revoke no token", http.MethodPost, PathRevoke, form, basicAuth(webID, webSecret), ""},
		{"revoke malformed", http.MethodPost, PathRevoke, form, basicAuth(webID, webSecret), "token=%zz"},
		{"end_session garbage hint", http.MethodGet, PathEndSession + "?id_token_hint=a.b.c&post_logout_redirect_uri=x", "", "", ""},
		{"end_session bad uri", http.MethodGet, PathEndSession + "?client_id=web&post_logout_redirect_uri=" + url.QueryEscape("javascript:alert(1)"), "", "", ""},
		{"end_session malformed", http.MethodGet, PathEndSession + "?%zz", "", "", ""},
	}

	for _, mode := range []struct {
		name   string
		mutate func(*Config)
	}{{"non-interactive", nil}, {"interactive", interactive}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			for _, rq := range requests {
				t.Run(rq.name, func(t *testing.T) {
					req, err := http.NewRequest(rq.method, ts.url(""), strings.NewReader(rq.body))
					require.NoError(t, err)
					req.URL.RawPath = ""
					path, query, _ := strings.Cut(rq.path, "?")
					req.URL.Path += path
					req.URL.RawQuery = query
					if rq.contentType != "" {
						req.Header.Set("Content-Type", rq.contentType)
					}
					if rq.auth != "" {
						req.Header.Set("Authorization", rq.auth)
					}
					resp := ts.do(req)
					if resp.status == http.StatusFound {
						loc, err := url.Parse(resp.header.Get("Location"))
						require.NoError(t, err)
						assert.NotEmpty(t, loc.Query().Get("error"), "a redirect for a bad request carries an error: %s", loc)
					} else {
						assert.GreaterOrEqual(t, resp.status, 400, "a bad request must fail: %s", resp.body)
					}
					assert.Less(t, resp.status, 500, "a bad request is the client's fault: %s", resp.body)
					lower := strings.ToLower(resp.String())
					for _, s := range internals {
						assert.NotContains(t, lower, s)
					}
					everything := resp.String()
					for k, vs := range resp.header {
						everything += "\n" + k + ": " + strings.Join(vs, ", ")
					}
					for _, s := range secrets {
						assert.NotContains(t, everything, s, "a credential leaked")
					}
				})
			}
		})
	}
}
