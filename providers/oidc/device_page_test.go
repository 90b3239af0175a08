package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deviceLoginPage enters typed at /device and returns the login page's
// request_id.
func (ts *testServer) deviceLoginPage(t *testing.T, typed string) (string, response) {
	t.Helper()
	resp := ts.postForm(PathDevice, url.Values{"user_code": {typed}}, "", "")
	assertPage(t, resp, http.StatusOK, "Sign in to Single Page App")
	m := requestIDPattern.FindStringSubmatch(resp.String())
	require.Len(t, m, 2, "no request_id on the page: %s", resp.body)
	return m[1], resp
}

func (ts *testServer) deviceDecide(id, action, username, password string) response {
	ts.tb.Helper()
	return ts.postForm(PathDeviceDecision, url.Values{"request_id": {id}, "action": {action}, "username": {username}, "password": {password}}, "", "")
}

func TestDevicePageForm(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.get(PathDevice, nil)
	assertPage(t, resp, http.StatusOK, "Connect a device")
	assert.Contains(t, resp.String(), `action="`+ts.url(PathDevice)+`"`)
	assert.Contains(t, resp.String(), `name="user_code" value=""`)

	// verification_uri_complete prefills the code, tidied; anything else
	// is shown as typed, escaped.
	assert.Contains(t, ts.get(PathDevice, url.Values{"user_code": {"wdjb mjht"}}).String(), `name="user_code" value="WDJB-MJHT"`)
	assert.Contains(t, ts.get(PathDevice, url.Values{"user_code": {`"><script>`}}).String(), `value="&#34;&gt;&lt;script&gt;"`)
}

func TestDevicePageApprove(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid email")
	typed := strings.ToLower(strings.ReplaceAll(d.UserCode, "-", " "))
	id, page := ts.deviceLoginPage(t, typed)
	body := page.String()
	assert.Contains(t, body, `action="`+ts.url(PathDeviceDecision)+`"`, "the login page posts to the device decision")
	assert.Contains(t, body, "<code>openid</code>")
	assert.Contains(t, body, "<code>email</code>")

	assertPage(t, ts.deviceDecide(id, "allow", "alice", "wrong"), http.StatusUnauthorized, "Wrong username or password.")
	assert.Equal(t, http.StatusBadRequest, ts.pollDevice(d.DeviceCode).status, "a wrong password decides nothing")
	assertPage(t, ts.deviceDecide(id, "maybe", "alice", alicePassword), http.StatusBadRequest, "Choose Allow or Deny.")

	ts.clk.Advance(5e9)
	assertPage(t, ts.deviceDecide(id, "allow", "alice", alicePassword), http.StatusOK, "Device connected")
	resp := ts.pollDevice(d.DeviceCode)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	_, claims := decodeJWT(t, ts.tokens(resp).IDToken)
	assert.Equal(t, aliceSubject, claims["sub"])
	assert.Equal(t, "alice@example.com", claims["email"])

	assertPage(t, ts.deviceDecide(id, "allow", "alice", alicePassword), http.StatusBadRequest, "This sign-in is unknown, was already answered, or expired.")
	assertPage(t, ts.postForm(PathDevice, url.Values{"user_code": {d.UserCode}}, "", ""), http.StatusBadRequest, "This code was already used.")
}

func TestDevicePageDeny(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid")
	id, _ := ts.deviceLoginPage(t, d.UserCode)
	assertPage(t, ts.deviceDecide(id, "deny", "", ""), http.StatusOK, "Access denied")
	assert.JSONEq(t, errJSON("access_denied", "the user denied the request"), ts.pollDevice(d.DeviceCode).String())
}

// TestDevicePageOneDecision: two login pages for one code (two tabs) and
// a double submit still decide once.
func TestDevicePageOneDecision(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid")
	first, _ := ts.deviceLoginPage(t, d.UserCode)
	second, _ := ts.deviceLoginPage(t, d.UserCode)
	statuses := make([]int, 8)
	var wg sync.WaitGroup
	for i := range statuses {
		id := first
		if i%2 == 1 {
			id = second
		}
		wg.Go(func() { statuses[i] = ts.deviceDecide(id, "allow", "bob", bobPassword).status })
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	assert.Equal(t, 1, ok, "statuses %v", statuses)
}

func TestDevicePageErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.DeviceCodeTTL = 60e9 })
	expired := ts.startDevice("openid")
	expiredID, _ := ts.deviceLoginPage(t, expired.UserCode)
	ts.clk.Advance(60e9)
	tests := []struct {
		name   string
		typed  string
		status int
		msg    string
	}{
		{"malformed", "WDJB-MJH", http.StatusBadRequest, "That is not a valid code: it has 8 letters, like WDJB-MJHT."},
		{"vowel", "WDJA-MJHT", http.StatusBadRequest, "That is not a valid code"},
		{"unknown", "BCDF-GHJK", http.StatusBadRequest, "This code is unknown or has expired. Start again on your device."},
		{"expired", expired.UserCode, http.StatusBadRequest, "This code is unknown or has expired. Start again on your device."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.postForm(PathDevice, url.Values{"user_code": {tc.typed}}, "", "")
			assertPage(t, resp, tc.status, tc.msg)
			assert.Contains(t, resp.String(), `name="user_code" value="`+tc.typed+`"`, "the form keeps what was typed")
		})
	}
	t.Run("a login page opened before expiry cannot approve after it", func(t *testing.T) {
		assertPage(t, ts.deviceDecide(expiredID, "allow", "alice", alicePassword), http.StatusBadRequest, "This code is unknown or has expired.")
	})
	t.Run("forged request_id", func(t *testing.T) {
		assertPage(t, ts.deviceDecide("forged", "allow", "alice", alicePassword), http.StatusBadRequest, "This sign-in is unknown")
	})
	t.Run("not a form", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, ts.url(PathDevice), strings.NewReader(`{"user_code":"x"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		assertPage(t, ts.do(req), http.StatusBadRequest, "the request body must be application/x-www-form-urlencoded")
	})
}
