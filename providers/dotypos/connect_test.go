package dotypos

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var refreshTokenFormat = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestSignatureKnownVector checks Sign against HMAC-SHA256 computed here
// with crypto/hmac and against values computed outside Go (openssl dgst
// -sha256 -hmac), for the timestamp the Python client's test uses.
func TestSignatureKnownVector(t *testing.T) {
	const ts = "1704123456"
	mac := hmac.New(sha256.New, []byte(posSecret))
	mac.Write([]byte(ts))
	independent := hex.EncodeToString(mac.Sum(nil))
	assert.Equal(t, independent, Sign(posSecret, ts))
	assert.Equal(t, "a75d520426967f126e30939e24ed6fc384affbbed0d34ddf6f879f94fd1c48c1", Sign(posSecret, ts))
	assert.Equal(t, "c126afda3e8c30b62b291ee6ac0338d0cf8851673733411633f392ac6e204d52", Sign("secret", ts))
	assert.True(t, VerifySignature(posSecret, ts, independent))
	assert.False(t, VerifySignature(posSecret, ts, strings.ToUpper(independent)), "only lowercase hex")
	assert.False(t, VerifySignature(posSecret, "1704123457", independent))
	assert.False(t, VerifySignature(otherSecret, ts, independent))
}

// location parses a redirect's Location and checks where it points.
func location(t *testing.T, res response, target string) url.Values {
	t.Helper()
	require.Equal(t, http.StatusFound, res.status, "%s", res.body)
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	before, _, _ := strings.Cut(target, "?")
	assert.Equal(t, before, loc.Scheme+"://"+loc.Host+loc.Path)
	return loc.Query()
}

func TestLegacyConnect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)

	t.Run("with state: token, cloudid and state in the documented order", func(t *testing.T) {
		res := ts.connect(legacyQuery("my-state"))
		require.Equal(t, http.StatusFound, res.status, "%s", res.body)
		loc := res.header.Get("Location")
		m := regexp.MustCompile(`^https://pos\.example\.com/dotypos/callback\?token=([0-9a-f]{32})&cloudid=123456789&state=my-state$`).FindStringSubmatch(loc)
		require.NotNil(t, m, loc)
		assert.Equal(t, http.StatusCreated, ts.signin(m[1], `{"_cloudId": 123456789}`).status)
	})
	t.Run("without state: no state parameter", func(t *testing.T) {
		res := ts.connect(legacyQuery(""))
		require.Equal(t, http.StatusFound, res.status)
		assert.Regexp(t, `^https://pos\.example\.com/dotypos/callback\?token=[0-9a-f]{32}&cloudid=123456789$`, res.header.Get("Location"))
	})
	t.Run("empty state is echoed, since it was sent", func(t *testing.T) {
		q := legacyQuery("")
		q.Set("state", "")
		res := ts.connect(q)
		assert.Regexp(t, `&state=$`, res.header.Get("Location"))
	})
	t.Run("state with odd characters round-trips", func(t *testing.T) {
		q := location(t, ts.connect(legacyQuery("a b&c=d/é")), posRedirect)
		assert.Equal(t, "a b&c=d/é", q.Get("state"))
	})
	t.Run("a redirect URI with a query keeps it", func(t *testing.T) {
		q := legacyQuery("s")
		q.Set("redirect_uri", posRedirect2)
		res := ts.connect(q)
		assert.Regexp(t, `^https://pos\.example\.com/cb\?tenant=acme&token=[0-9a-f]{32}&cloudid=123456789&state=s$`, res.header.Get("Location"))
	})
	t.Run("cloudid hint picks another of the user's clouds", func(t *testing.T) {
		q := legacyQuery("")
		q.Set("cloudid", "987654321")
		got := location(t, ts.connect(q), posRedirect)
		assert.Equal(t, "987654321", got.Get("cloudid"))
		assert.Equal(t, http.StatusCreated, ts.signin(got.Get("token"), `{"_cloudId": "987654321"}`).status)
		// selected mode: only the chosen cloud is granted
		assert.Equal(t, http.StatusForbidden, ts.signin(got.Get("token"), `{"_cloudId": 123456789}`).status)
	})
	t.Run("each connect issues a new token", func(t *testing.T) {
		a, _ := ts.connectToken(legacyQuery(""))
		b, _ := ts.connectToken(legacyQuery(""))
		assert.Regexp(t, refreshTokenFormat, a)
		assert.NotEqual(t, a, b)
	})
}

func TestLegacyConnectErrors(t *testing.T) {
	t.Parallel()
	without := func(name string) string {
		q := legacyQuery("s")
		q.Del(name)
		return q.Encode()
	}
	with := func(name, value string) string {
		q := legacyQuery("s")
		q.Set(name, value)
		return q.Encode()
	}
	authFailed := "The client application could not be authenticated (unknown client_id, or a wrong client_secret or signature)."
	tests := []struct {
		name    string
		query   string
		status  int
		message string
	}{
		{"no client_id", without("client_id"), 400, "The required parameter client_id is missing."},
		{"no client_secret", without("client_secret"), 400, "The required parameter client_secret is missing."},
		{"no scope", without("scope"), 400, "The required parameter scope is missing."},
		{"no redirect_uri", without("redirect_uri"), 400, "The required parameter redirect_uri is missing."},
		{"unknown client", with("client_id", "nope"), 403, authFailed},
		{"wrong secret", with("client_secret", posSecret+"x"), 403, authFailed},
		{"another client's secret", with("client_secret", otherSecret), 403, authFailed},
		{"scope other than *", with("scope", "read"), 400, "scope must be * (the only supported value)."},
		{"unregistered redirect_uri", with("redirect_uri", "https://evil.example.com/cb"), 400, "The redirect_uri is not registered for this client application."},
		{"redirect_uri prefix of a registered one", with("redirect_uri", "https://pos.example.com/dotypos"), 400, "The redirect_uri is not registered for this client application."},
		{"redirect_uri of another client", with("redirect_uri", otherRedir), 400, "The redirect_uri is not registered for this client application."},
		{"duplicate parameter", legacyQuery("s").Encode() + "&scope=*", 400, "A parameter was sent more than once: parameter &#34;scope&#34; was sent more than once."},
		{"bad query encoding", legacyQuery("s").Encode() + "&x=%zz", 400, "The query string is not valid URL encoding."},
		{"malformed cloudid hint", with("cloudid", "0123"), 400, "cloudid must be a positive 32-bit integer."},
		{"cloudid of another user", with("cloudid", "555"), 403, "The requested cloudid is not one of the user&#39;s clouds."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			res := ts.request(http.MethodGet, PathConnect+"?"+tc.query, nil)
			assertErrorPage(t, res, tc.status, tc.message)
			assertNoRefreshTokens(t, ts)
		})
	}

	t.Run("user without clouds, disabled user", func(t *testing.T) {
		ts := newTestServer(t, nil)
		for _, c := range []struct{ id, secret, redirect, message string }{
			{"carol-app", "carol-secret", "https://carol.example.com/cb", "The user carol has no cloud to connect."},
			{"dave-app", "dave-secret", "https://dave.example.com/cb", "The user dave is disabled."},
		} {
			q := url.Values{"client_id": {c.id}, "client_secret": {c.secret}, "scope": {"*"}, "redirect_uri": {c.redirect}}
			assertErrorPage(t, ts.connect(q), http.StatusForbidden, c.message)
		}
		assertNoRefreshTokens(t, ts)
	})
}

// assertErrorPage checks an HTML error page that does not redirect.
func assertErrorPage(t *testing.T, res response, status int, message string) {
	t.Helper()
	assert.Equal(t, status, res.status, "%s", res.body)
	assert.Empty(t, res.header.Get("Location"))
	assert.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
	assert.Equal(t, "DENY", res.header.Get("X-Frame-Options"))
	assert.Contains(t, string(res.body), `<p class="error" id="error" role="alert">`+message+`</p>`)
}

func assertNoRefreshTokens(t *testing.T, ts *testServer) {
	t.Helper()
	recs, err := ts.p.deps.Store.ListRecords(t.Context(), "rt:")
	require.NoError(t, err)
	assert.Empty(t, recs, "no refresh token was issued")
}

func TestConnectV2(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	now := t0.Unix()
	for _, path := range []string{PathConnectV2, PathConnectV2Alias} {
		t.Run("success at "+path, func(t *testing.T) {
			res := ts.connectV2(path, v2Form(now, "v2-state"))
			require.Equal(t, http.StatusFound, res.status, "%s", res.body)
			m := regexp.MustCompile(`^https://pos\.example\.com/dotypos/callback\?token=([0-9a-f]{32})&cloudid=123456789&state=v2-state$`).FindStringSubmatch(res.header.Get("Location"))
			require.NotNil(t, m, res.header.Get("Location"))
			assert.Equal(t, http.StatusCreated, ts.signin(m[1], `{"_cloudId":"123456789"}`).status)
		})
	}
	t.Run("no state", func(t *testing.T) {
		res := ts.connectV2(PathConnectV2, v2Form(now, ""))
		assert.Regexp(t, `^https://pos\.example\.com/dotypos/callback\?token=[0-9a-f]{32}&cloudid=123456789$`, res.header.Get("Location"))
	})
	t.Run("charset in the content type", func(t *testing.T) {
		res := ts.request(http.MethodPost, PathConnectV2, strings.NewReader(v2Form(now, "").Encode()), "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		assert.Equal(t, http.StatusFound, res.status, "%s", res.body)
	})
	t.Run("the window's edges are inside", func(t *testing.T) {
		for _, d := range []int64{-300, 300} {
			assert.Equal(t, http.StatusFound, ts.connectV2(PathConnectV2, v2Form(now+d, "")).status, "%+ds", d)
		}
	})
}

func TestConnectV2Errors(t *testing.T) {
	t.Parallel()
	now := t0.Unix()
	authFailed := "The client application could not be authenticated (unknown client_id, or a wrong client_secret or signature)."
	stale := "The timestamp is too far from the server&#39;s clock; sync the clock (NTP) and sign a fresh one."
	form := func(mutate func(url.Values)) url.Values {
		f := v2Form(now, "s")
		mutate(f)
		return f
	}
	tests := []struct {
		name    string
		form    url.Values
		status  int
		message string
	}{
		{"no client_id", form(func(f url.Values) { f.Del("client_id") }), 400, "The required parameter client_id is missing."},
		{"no timestamp", form(func(f url.Values) { f.Del("timestamp") }), 400, "The required parameter timestamp is missing."},
		{"no signature", form(func(f url.Values) { f.Del("signature") }), 400, "The required parameter signature is missing."},
		{"no scope", form(func(f url.Values) { f.Del("scope") }), 400, "The required parameter scope is missing."},
		{"no redirect_uri", form(func(f url.Values) { f.Del("redirect_uri") }), 400, "The required parameter redirect_uri is missing."},
		{"timestamp in milliseconds", v2FormAt(itoa(now * 1000)), 400, "timestamp must be the current Unix time in seconds."},
		{"timestamp not a number", v2FormAt("17e8"), 400, "timestamp must be the current Unix time in seconds."},
		{"timestamp with a leading zero", v2FormAt("0" + itoa(now)), 400, "timestamp must be the current Unix time in seconds."},
		{"negative timestamp", v2FormAt("-" + itoa(now)), 400, "timestamp must be the current Unix time in seconds."},
		{"301 s old", v2Form(now-301, "s"), 403, stale},
		{"301 s ahead", v2Form(now+301, "s"), 403, stale},
		{"wrong signature", form(func(f url.Values) { f.Set("signature", Sign(otherSecret, itoa(now))) }), 403, authFailed},
		{"uppercase signature", form(func(f url.Values) { f.Set("signature", strings.ToUpper(f.Get("signature"))) }), 403, authFailed},
		{"signature of another timestamp", form(func(f url.Values) { f.Set("signature", Sign(posSecret, itoa(now-1))) }), 403, authFailed},
		{"signature not hex", form(func(f url.Values) { f.Set("signature", "zz") }), 403, authFailed},
		{"unknown client", form(func(f url.Values) { f.Set("client_id", "nope") }), 403, authFailed},
		{"client secret instead of a signature", form(func(f url.Values) { f.Set("signature", posSecret) }), 403, authFailed},
		{"scope other than *", form(func(f url.Values) { f.Set("scope", "all") }), 400, "scope must be * (the only supported value)."},
		{"unregistered redirect_uri", form(func(f url.Values) { f.Set("redirect_uri", "https://evil.example.com/") }), 400, "The redirect_uri is not registered for this client application."},
		{"duplicate field", form(func(f url.Values) { f.Add("state", "t") }), 400, "A parameter was sent more than once: parameter &#34;state&#34; was sent more than once."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			assertErrorPage(t, ts.connectV2(PathConnectV2, tc.form), tc.status, tc.message)
			assertNoRefreshTokens(t, ts)
		})
	}
	t.Run("not a form", func(t *testing.T) {
		ts := newTestServer(t, nil)
		res := ts.request(http.MethodPost, PathConnectV2, strings.NewReader(`{"client_id":"pos-sync"}`), "Content-Type", "application/json")
		assertErrorPage(t, res, 400, "The connector expects an HTML form post (application/x-www-form-urlencoded).")
	})
	t.Run("too large", func(t *testing.T) {
		ts := newTestServer(t, nil)
		f := v2Form(now, strings.Repeat("x", testMaxBody))
		assertErrorPage(t, ts.connectV2(PathConnectV2, f), http.StatusRequestEntityTooLarge, "The form is too large.")
	})
	t.Run("the window is configurable", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) { c.TimestampWindow = durationOf(10 * time.Second) })
		assert.Equal(t, http.StatusFound, ts.connectV2(PathConnectV2, v2Form(now-10, "")).status)
		assertErrorPage(t, ts.connectV2(PathConnectV2, v2Form(now-11, "")), 403, stale)
		ts.clk.Advance(time.Hour) // the clock moves; an old signature goes stale
		assertErrorPage(t, ts.connectV2(PathConnectV2, v2Form(now, "")), 403, stale)
	})
}

// v2FormAt is a form signed over an arbitrary timestamp string.
func v2FormAt(stamp string) url.Values {
	return url.Values{"client_id": {posID}, "timestamp": {stamp}, "signature": {Sign(posSecret, stamp)}, "scope": {"*"}, "redirect_uri": {posRedirect}}
}
