package dotypos

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var consentIDField = regexp.MustCompile(`<input type="hidden" name="consent_id" value="([A-Za-z0-9_-]+)">`)

func interactive(c *Config) { c.Interactive = true }

// consentPageFor opens the interactive connector and returns the page and
// its consent id.
func (ts *testServer) consentPageFor(q url.Values) (response, string) {
	ts.tb.Helper()
	res := ts.connect(q)
	require.Equal(ts.tb, http.StatusOK, res.status, "%s", res.body)
	m := consentIDField.FindStringSubmatch(string(res.body))
	require.NotNil(ts.tb, m, "%s", res.body)
	return res, m[1]
}

func (ts *testServer) decide(form url.Values, header ...string) response {
	ts.tb.Helper()
	return ts.request(http.MethodPost, PathConnectDecision, strings.NewReader(form.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

func TestConsentPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	res, id := ts.consentPageFor(legacyQuery("st"))
	page := string(res.body)
	assert.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
	assert.Equal(t, "DENY", res.header.Get("X-Frame-Options"))
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
	assert.Contains(t, res.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	// form-action would block the redirect to the application after Allow
	// (Chromium applies it to redirects); no-referrer would make the
	// browser post "Origin: null", which the decision refuses.
	assert.NotContains(t, res.header.Get("Content-Security-Policy"), "form-action")
	assert.Equal(t, "same-origin", res.header.Get("Referrer-Policy"))
	assert.Contains(t, page, `<h1 id="title">Connect POS &lt;Sync&gt; &amp; Co</h1>`)
	assert.NotContains(t, page, posName, "the name is escaped")
	assert.Contains(t, page, `<strong id="username">alice</strong>`)
	assert.Contains(t, page, `<form method="post" action="`+ts.url(PathConnectDecision)+`">`)
	assert.Contains(t, page, `<input type="radio" name="cloudid" value="123456789" checked> Bistro Praha`)
	assert.Contains(t, page, `<input type="radio" name="cloudid" value="987654321"> Café Brno`)
	assert.Contains(t, page, `<input type="radio" name="cloudid" value="2147483647"> Bakery Ostrava`)
	assert.NotContains(t, page, "Bob&#39;s Shop")
	assert.Contains(t, page, `id="allow"`)
	assert.Contains(t, page, `id="deny"`)
	assert.NotContains(t, page, posSecret)
	assert.Len(t, id, 43, "256 random bits")
	assertNoRefreshTokens(t, ts)

	t.Run("a cloudid hint is preselected", func(t *testing.T) {
		q := legacyQuery("")
		q.Set("cloudid", "987654321")
		res, _ := ts.consentPageFor(q)
		assert.Contains(t, string(res.body), `value="987654321" checked>`)
		assert.Contains(t, string(res.body), `value="123456789">`)
	})
	t.Run("connector v2 shows the same page", func(t *testing.T) {
		res := ts.connectV2(PathConnectV2, v2Form(t0.Unix(), "v2"))
		assert.Equal(t, http.StatusOK, res.status)
		assert.Regexp(t, consentIDField, string(res.body))
	})
	t.Run("errors are still pages", func(t *testing.T) {
		q := legacyQuery("")
		q.Set("client_secret", "wrong")
		assertErrorPage(t, ts.connect(q), 403, "The client application could not be authenticated (unknown client_id, or a wrong client_secret or signature).")
	})
}

func TestConsentAllow(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	_, id := ts.consentPageFor(legacyQuery("st-1"))
	form := url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"987654321"}}

	res := ts.decide(form, "Origin", "http://"+ts.srv.Listener.Addr().String())
	require.Equal(t, http.StatusFound, res.status, "%s", res.body)
	m := regexp.MustCompile(`^https://pos\.example\.com/dotypos/callback\?token=([0-9a-f]{32})&cloudid=987654321&state=st-1$`).FindStringSubmatch(res.header.Get("Location"))
	require.NotNil(t, m, res.header.Get("Location"))
	assert.Equal(t, http.StatusCreated, ts.signin(m[1], `{"_cloudId":987654321}`).status)
	assert.Equal(t, http.StatusForbidden, ts.signin(m[1], `{"_cloudId":123456789}`).status)

	// The same form again: the request was answered, no second token.
	again := ts.decide(form)
	assertErrorPage(t, again, http.StatusBadRequest, "This connection request is unknown, was already answered, or expired. Start again from the application.")
	recs, err := ts.p.deps.Store.ListRecords(t.Context(), "rt:")
	require.NoError(t, err)
	assert.Len(t, recs, 1)
}

func TestConsentDeny(t *testing.T) {
	t.Parallel()
	t.Run("redirect (default)", func(t *testing.T) {
		ts := newTestServer(t, interactive)
		_, id := ts.consentPageFor(legacyQuery("st-2"))
		res := ts.decide(url.Values{"consent_id": {id}, "action": {"deny"}})
		require.Equal(t, http.StatusFound, res.status)
		assert.Equal(t, posRedirect+"?error=access_denied&state=st-2", res.header.Get("Location"))
		assertNoRefreshTokens(t, ts)
		assert.Equal(t, http.StatusBadRequest, ts.decide(url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}}).status)
	})
	t.Run("redirect without state", func(t *testing.T) {
		ts := newTestServer(t, interactive)
		_, id := ts.consentPageFor(legacyQuery(""))
		res := ts.decide(url.Values{"consent_id": {id}, "action": {"deny"}})
		assert.Equal(t, posRedirect+"?error=access_denied", res.header.Get("Location"))
	})
	t.Run("page", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) { c.Interactive, c.OnDeny = true, DenyPage })
		_, id := ts.consentPageFor(legacyQuery("st-3"))
		res := ts.decide(url.Values{"consent_id": {id}, "action": {"deny"}})
		assert.Equal(t, http.StatusOK, res.status)
		assert.Empty(t, res.header.Get("Location"))
		assert.Contains(t, string(res.body), `<h1 id="title">Access denied</h1>`)
		assertNoRefreshTokens(t, ts)
	})
}

func TestConsentDecisionErrors(t *testing.T) {
	t.Parallel()
	answered := "This connection request is unknown, was already answered, or expired. Start again from the application."
	tests := []struct {
		name    string
		form    func(id string) url.Values
		header  []string
		status  int
		message string // error page message; "" means the consent page again
	}{
		{"unknown consent id", func(string) url.Values {
			return url.Values{"consent_id": {"nope"}, "action": {"allow"}, "cloudid": {"123456789"}}
		}, nil, 400, answered},
		{"no consent id", func(string) url.Values { return url.Values{"action": {"allow"}, "cloudid": {"123456789"}} }, nil, 400, answered},
		{"posted from another site", func(id string) url.Values {
			return url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}}
		}, []string{"Origin", "https://evil.example.com"}, 403, "The form was posted from another site."},
		{"an opaque origin", func(id string) url.Values {
			return url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}}
		}, []string{"Origin", "null"}, 403, "The form was posted from another site."},
		{"cross-site fetch metadata", func(id string) url.Values {
			return url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}}
		}, []string{"Sec-Fetch-Site", "cross-site"}, 403, "The form was posted from another site."},
		{"duplicate field", func(id string) url.Values {
			return url.Values{"consent_id": {id, id}, "action": {"allow"}, "cloudid": {"123456789"}}
		}, nil, 400, "The form could not be read."},
		{"another user's cloud", func(id string) url.Values {
			return url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"555"}}
		}, nil, 400, ""},
		{"no cloud chosen", func(id string) url.Values { return url.Values{"consent_id": {id}, "action": {"allow"}} }, nil, 400, ""},
		{"no action", func(id string) url.Values { return url.Values{"consent_id": {id}, "cloudid": {"123456789"}} }, nil, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, interactive)
			_, id := ts.consentPageFor(legacyQuery("s"))
			res := ts.decide(tc.form(id), tc.header...)
			if tc.message != "" {
				assertErrorPage(t, res, tc.status, tc.message)
			} else {
				assert.Equal(t, tc.status, res.status)
				assert.Empty(t, res.header.Get("Location"))
				assert.Regexp(t, `<p class="error" id="error" role="alert">Choose`, string(res.body))
				assert.Contains(t, string(res.body), `value="`+id+`"`, "the same request, still answerable")
			}
			assertNoRefreshTokens(t, ts)
			// The rejected post changed nothing: the page can still be answered.
			ok := ts.decide(url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}})
			assert.Equal(t, http.StatusFound, ok.status, "%s", ok.body)
		})
	}
	t.Run("not a form", func(t *testing.T) {
		ts := newTestServer(t, interactive)
		res := ts.request(http.MethodPost, PathConnectDecision, strings.NewReader(`{}`), "Content-Type", "application/json")
		assertErrorPage(t, res, 400, "The form could not be read.")
	})
	t.Run("expired after 10 minutes", func(t *testing.T) {
		ts := newTestServer(t, interactive)
		_, id := ts.consentPageFor(legacyQuery("s"))
		ts.clk.Advance(10*time.Minute + time.Second)
		assertErrorPage(t, ts.decide(url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}}), 400, answered)
	})
	t.Run("the user lost the cloud meanwhile", func(t *testing.T) {
		ts := newTestServer(t, interactive)
		_, id := ts.consentPageFor(legacyQuery("s"))
		ts.p.DeleteCloud(cloudBistro)
		res := ts.decide(url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}})
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.NotContains(t, string(res.body), "Bistro")
	})
}

// TestConsentConcurrentAllow: many simultaneous submits of one page issue
// exactly one token.
func TestConsentConcurrentAllow(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	_, id := ts.consentPageFor(legacyQuery("s"))
	form := url.Values{"consent_id": {id}, "action": {"allow"}, "cloudid": {"123456789"}}
	const n = 16
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, ts.url(PathConnectDecision), strings.NewReader(form.Encode()))
			if err != nil {
				statuses <- 0
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := ts.client.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusFound: 1, http.StatusBadRequest: n - 1}, count)
	recs, err := ts.p.deps.Store.ListRecords(t.Context(), "rt:")
	require.NoError(t, err)
	assert.Len(t, recs, 1)
}
