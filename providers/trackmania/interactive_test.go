package trackmania

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func interactive(c *Config) { c.Interactive = true }

var requestIDRE = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

// loginPage requests the authorization page and returns the pending id.
func (ts *testServer) loginPage(t *testing.T, over url.Values) string {
	t.Helper()
	resp := ts.authorizeResp(merge(webAuthParams(), over))
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	assert.Equal(t, "text/html; charset=utf-8", resp.header.Get("Content-Type"))
	assert.Equal(t, "DENY", resp.header.Get("X-Frame-Options"))
	assert.Contains(t, resp.String(), `<h1 id="title">Sign in to Web App</h1>`)
	assert.Contains(t, resp.String(), `action="`+ts.url(PathAuthorizeDecision)+`"`)
	m := requestIDRE.FindStringSubmatch(resp.String())
	require.Len(t, m, 2)
	return m[1]
}

func (ts *testServer) decide(form url.Values) response {
	ts.tb.Helper()
	return ts.request(http.MethodPost, PathAuthorizeDecision, "", "", "application/x-www-form-urlencoded", form.Encode())
}

func TestInteractiveAllow(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id := ts.loginPage(t, nil)

	resp := ts.decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"bob"}, "password": {"wrong"}})
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.Contains(t, resp.String(), "Wrong username or password.")

	resp = ts.decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"bob"}, "password": {bobPassword}})
	require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "st-123", loc.Query().Get("state"))
	tok := ts.tokens(ts.redeem(loc.Query().Get("code"), nil), true)
	assert.JSONEq(t, `{"accountId":"`+bobID+`","displayName":"bob"}`, ts.api(PathUser, "", tok.AccessToken).String())

	// The pending request is single use.
	again := ts.decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"bob"}, "password": {bobPassword}})
	assert.Equal(t, http.StatusBadRequest, again.status)
	assert.Contains(t, again.String(), "Sign-in expired")
}

func TestInteractiveDeny(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id := ts.loginPage(t, nil)
	resp := ts.decide(url.Values{"request_id": {id}, "action": {"deny"}})
	require.Equal(t, http.StatusFound, resp.status)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, url.Values{"error": {"access_denied"}, "error_description": {"the user denied the request"}, "state": {"st-123"}}, loc.Query())
}

func TestInteractiveBadDecisions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id := ts.loginPage(t, nil)
	tests := []struct {
		name   string
		form   url.Values
		status int
		text   string
	}{
		{"unknown request", url.Values{"request_id": {"forged"}, "action": {"allow"}, "username": {"alice"}, "password": {alicePassword}}, 400, "Sign-in expired"},
		{"no request", url.Values{"action": {"allow"}}, 400, "Sign-in expired"},
		{"no action", url.Values{"request_id": {id}}, 400, "Choose Allow or Deny."},
		{"disabled user", url.Values{"request_id": {id}, "action": {"allow"}, "username": {"carol"}, "password": {"carol-password-Ty3"}}, 401, "Wrong username or password."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.decide(tc.form)
			assert.Equal(t, tc.status, resp.status)
			assert.Contains(t, resp.String(), tc.text)
			assert.Empty(t, resp.header.Get("Location"))
		})
	}
	// None of that used the request up.
	resp := ts.decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"alice"}, "password": {alicePassword}})
	assert.Equal(t, http.StatusFound, resp.status)
}

func TestInteractiveErrorsStillRedirect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	loc := ts.authorize(merge(webAuthParams(), url.Values{"response_type": {"token"}}))
	assert.Equal(t, "unsupported_response_type", loc.Query().Get("error"))
}
