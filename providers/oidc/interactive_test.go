package oidc

import (
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var requestIDPattern = regexp.MustCompile(`name="request_id" value="([^"]+)"`)

func interactive(c *Config) { c.Interactive = true }

// loginPage requests the login page and returns its request_id.
func (ts *testServer) loginPage(t *testing.T, params url.Values) (string, response) {
	t.Helper()
	resp := ts.authorizeResp(params)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	m := requestIDPattern.FindStringSubmatch(resp.String())
	require.Len(t, m, 2, "no request_id on the page: %s", resp.body)
	return m[1], resp
}

func (ts *testServer) decide(id, action, username, password string) response {
	ts.tb.Helper()
	form := url.Values{"request_id": {id}, "action": {action}}
	if username != "" {
		form.Set("username", username)
		form.Set("password", password)
	}
	return ts.postForm(PathAuthorizeDecision, form, "", "")
}

func TestInteractiveLoginPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id, resp := ts.loginPage(t, merge(webAuthParams(), url.Values{"login_hint": {"bob"}}))
	assertPage(t, resp, http.StatusOK, "Sign in to Web App")
	body := resp.String()
	for _, s := range []string{"<code>openid</code>", "<code>profile</code>", "<code>email</code>"} {
		assert.Contains(t, body, s)
	}
	assert.Contains(t, body, `action="`+ts.url(PathAuthorizeDecision)+`"`)
	assert.Contains(t, body, `value="allow"`)
	assert.Contains(t, body, `value="deny"`)
	assert.Contains(t, body, `name="username" value="bob"`, "login_hint prefills the username")
	assert.NotEmpty(t, id)

	_, again := ts.loginPage(t, webAuthParams())
	assert.NotContains(t, again.String(), id, "each request gets its own request_id")
}

func TestInteractiveDeny(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id, _ := ts.loginPage(t, webAuthParams())
	resp := ts.decide(id, "deny", "", "")
	require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, url.Values{
		"error":             {"access_denied"},
		"error_description": {"the user denied the request"},
		"state":             {testStateValue},
		"iss":               {ts.issuer},
	}, assertRedirectTo(t, loc, webRedirect))

	assertPage(t, ts.decide(id, "allow", "alice", alicePassword), http.StatusBadRequest, "already answered")
}

func TestInteractiveAllow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		username string
		password string
		sub      string
	}{
		{"alice", "alice", alicePassword, aliceSubject},
		{"bob, not the client's default user", "bob", bobPassword, "bob"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, interactive)
			id, _ := ts.loginPage(t, webAuthParams())
			resp := ts.decide(id, "allow", tc.username, tc.password)
			require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
			loc, err := url.Parse(resp.header.Get("Location"))
			require.NoError(t, err)
			q := assertRedirectTo(t, loc, webRedirect)
			assert.Equal(t, url.Values{"code": {q.Get("code")}, "state": {testStateValue}, "iss": {ts.issuer}}, q)

			tok := ts.tokens(ts.redeem(q.Get("code"), nil))
			_, claims := decodeJWT(t, tok.IDToken)
			assert.Equal(t, tc.sub, claims["sub"])
			assert.Equal(t, testNonceValue, claims["nonce"])
		})
	}
}

func TestInteractiveWrongPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		username string
		password string
	}{
		{"wrong password", "alice", "not-the-password"},
		{"unknown user", "mallory", "whatever"},
		{"disabled user", "carol", carolPassword},
		{"empty password", "alice", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, interactive)
			id, _ := ts.loginPage(t, webAuthParams())
			resp := ts.decide(id, "allow", tc.username, tc.password)
			assertPage(t, resp, http.StatusUnauthorized, "Wrong username or password.")
			assert.Contains(t, resp.String(), `name="request_id" value="`+id+`"`, "the same request stays usable")
			assert.NotContains(t, resp.String(), alicePassword)

			// The request is still pending and can be completed.
			ok := ts.decide(id, "allow", "alice", alicePassword)
			require.Equal(t, http.StatusFound, ok.status, "%s", ok.body)
		})
	}
}

func TestInteractiveDoubleSubmit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id, _ := ts.loginPage(t, webAuthParams())
	first := ts.decide(id, "allow", "alice", alicePassword)
	require.Equal(t, http.StatusFound, first.status)
	second := ts.decide(id, "allow", "alice", alicePassword)
	assertPage(t, second, http.StatusBadRequest, "already answered")
}

// TestInteractiveConcurrentSubmit: of many simultaneous submissions of one
// page, exactly one gets a code.
func TestInteractiveConcurrentSubmit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	for round := range 3 {
		id, _ := ts.loginPage(t, webAuthParams())
		const n = 16
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				statuses[i] = ts.decide(id, "allow", "alice", alicePassword).status
			})
		}
		close(start)
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		assert.Equal(t, map[int]int{http.StatusFound: 1, http.StatusBadRequest: n - 1}, counts, "round %d", round)
	}
}

func TestInteractiveBadDecisions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	const expired = "This sign-in request is unknown, was already answered, or expired."

	t.Run("unknown request_id", func(t *testing.T) {
		assertPage(t, ts.decide("no-such-request", "allow", "alice", alicePassword), http.StatusBadRequest, expired)
	})
	t.Run("missing request_id", func(t *testing.T) {
		assertPage(t, ts.postForm(PathAuthorizeDecision, url.Values{"action": {"allow"}}, "", ""), http.StatusBadRequest, expired)
	})
	t.Run("no action", func(t *testing.T) {
		id, _ := ts.loginPage(t, webAuthParams())
		resp := ts.decide(id, "", "", "")
		assertPage(t, resp, http.StatusBadRequest, "Choose Allow or Deny.")
		require.Equal(t, http.StatusFound, ts.decide(id, "deny", "", "").status, "the request is still pending")
	})
	t.Run("not a form", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, ts.url(PathAuthorizeDecision), nil)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "text/plain")
		assertPage(t, ts.do(req), http.StatusBadRequest, "the request body must be application/x-www-form-urlencoded")
	})
	t.Run("duplicate action", func(t *testing.T) {
		id, _ := ts.loginPage(t, webAuthParams())
		form := url.Values{"request_id": {id}, "action": {"deny", "allow"}, "username": {"alice"}, "password": {alicePassword}}
		assertPage(t, ts.postForm(PathAuthorizeDecision, form, "", ""), http.StatusBadRequest, `parameter "action" was sent more than once`)
	})
	t.Run("GET is not routed", func(t *testing.T) {
		assert.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, ts.get(PathAuthorizeDecision, nil).status)
	})
}

func TestInteractiveExpiredRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	id, _ := ts.loginPage(t, webAuthParams())
	ts.clk.Advance(11 * time.Minute)
	assertPage(t, ts.decide(id, "allow", "alice", alicePassword), http.StatusBadRequest, "This sign-in request is unknown, was already answered, or expired.")
}
