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

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

const deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

var userCodeShape = regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`)

// deviceStart is a device authorization response.
type deviceStart struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// startDevice starts a device flow for the public spa client.
func (ts *testServer) startDevice(scope string) deviceStart {
	ts.tb.Helper()
	resp := ts.postForm(PathDeviceAuthorization, url.Values{"client_id": {spaID}, "scope": {scope}}, "", "")
	require.Equal(ts.tb, http.StatusOK, resp.status, "device_authorization: %s", resp.body)
	m := resp.json(ts.tb)
	return deviceStart{
		DeviceCode: m["device_code"].(string), UserCode: m["user_code"].(string),
		VerificationURI: m["verification_uri"].(string), VerificationURIComplete: m["verification_uri_complete"].(string),
		ExpiresIn: int64(m["expires_in"].(float64)), Interval: int64(m["interval"].(float64)),
	}
}

// pollDevice is the spa client's token request for deviceCode.
func (ts *testServer) pollDevice(deviceCode string) response {
	ts.tb.Helper()
	return ts.postForm(PathToken, url.Values{"grant_type": {deviceGrantType}, "client_id": {spaID}, "device_code": {deviceCode}}, "", "")
}

func (ts *testServer) decideDevice(userCode string, d provider.DeviceDecision) (provider.DeviceDecided, error) {
	return ts.p.DecideDevice(ts.tb.Context(), userCode, d)
}

func (ts *testServer) approveDevice(userCode, username string) {
	ts.tb.Helper()
	_, err := ts.decideDevice(userCode, provider.DeviceDecision{Approve: true, Username: username})
	require.NoError(ts.tb, err)
}

func TestDeviceAuthorizationResponse(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.postForm(PathDeviceAuthorization, url.Values{"scope": {"openid api:read"}}, partnerID, partnerSecret)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	m := resp.json(t)
	userCode := m["user_code"].(string)
	require.Regexp(t, userCodeShape, userCode)
	assert.Regexp(t, `^[A-Za-z0-9_-]{43}\.`+userCode[:4]+userCode[5:]+`$`, m["device_code"])
	assert.Equal(t, ts.url("/device"), m["verification_uri"])
	assert.Equal(t, ts.url("/device")+"?user_code="+userCode, m["verification_uri_complete"])
	assert.Equal(t, float64(600), m["expires_in"])
	assert.Equal(t, float64(5), m["interval"])
	assert.Len(t, m, 6)

	t.Run("configured lifetime and interval", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) {
			c.DeviceCodeTTL = 90 * 1e9
			c.DevicePollInterval = 2 * 1e9
		})
		d := ts.startDevice("openid")
		assert.Equal(t, int64(90), d.ExpiresIn)
		assert.Equal(t, int64(2), d.Interval)
	})

	t.Run("not mounted or advertised when the instance leaves the grant out", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) { c.GrantTypes = []string{"authorization_code"} })
		resp := ts.postForm(PathDeviceAuthorization, url.Values{"client_id": {spaID}}, "", "")
		assert.Equal(t, http.StatusNotFound, resp.status)
		assert.Equal(t, http.StatusNotFound, ts.get(PathDevice, nil).status)
		assert.NotContains(t, ts.get(PathDiscovery, nil).String(), "device")
	})
}

// TestDeviceAuthorizationErrors: the endpoint's errors are the token
// endpoint's (RFC 8628 §3.2), and none stores anything.
func TestDeviceAuthorizationErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		body       string
	}{
		{"no client", url.Values{"scope": {"openid"}}, "", "", http.StatusUnauthorized,
			errJSON("invalid_client", "client authentication is required (HTTP Basic, or client_id and client_secret in the body)")},
		{"wrong secret", url.Values{}, partnerID, "nope", http.StatusUnauthorized,
			errJSON("invalid_client", "client authentication failed")},
		{"client without the grant", url.Values{}, webID, webSecret, http.StatusBadRequest,
			errJSON("unauthorized_client", `the client is not allowed to use grant_type "urn:ietf:params:oauth:grant-type:device_code"`)},
		{"unknown scope", url.Values{"client_id": {spaID}, "scope": {"openid nope"}}, "", "", http.StatusBadRequest,
			errJSON("invalid_scope", `scope "nope" is not allowed for this client`)},
		{"duplicate parameter", url.Values{"client_id": {spaID}, "scope": {"openid", "email"}}, "", "", http.StatusBadRequest,
			errJSON("invalid_request", `parameter "scope" was sent more than once`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.postForm(PathDeviceAuthorization, tc.form, tc.user, tc.pass)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}
	t.Run("GET is 405", func(t *testing.T) {
		resp := ts.get(PathDeviceAuthorization, nil)
		assert.Equal(t, http.StatusMethodNotAllowed, resp.status)
		assert.Equal(t, http.MethodPost, resp.header.Get("Allow"))
		assert.JSONEq(t, errJSON("invalid_request", "the device authorization endpoint accepts POST only"), resp.String())
	})
	recs, err := ts.p.deps.Store.ListRecords(t.Context(), "device:")
	require.NoError(t, err)
	assert.Empty(t, recs, "a refused request stores nothing")
}

// TestDeviceTokenErrors covers every RFC 8628 §3.5 answer, and the RFC
// 6749 §5.2 ones the grant adds, with exact status and body.
func TestDeviceTokenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup returns the device code to poll, after doing what it must.
		setup  func(ts *testServer) string
		form   func(code string) url.Values
		status int
		body   string
	}{
		{
			name:   "authorization_pending before a decision",
			setup:  func(ts *testServer) string { return ts.startDevice("openid").DeviceCode },
			status: http.StatusBadRequest,
			body:   errJSON("authorization_pending", "the user has not yet approved or denied the request"),
		},
		{
			name: "slow_down when polled within the interval",
			setup: func(ts *testServer) string {
				d := ts.startDevice("openid")
				require.Equal(ts.tb, http.StatusBadRequest, ts.pollDevice(d.DeviceCode).status)
				ts.clk.Advance(4 * time.Second)
				return d.DeviceCode
			},
			status: http.StatusBadRequest,
			body:   errJSON("slow_down", "polling too fast; wait at least 10 seconds between requests"),
		},
		{
			name: "access_denied after a denial",
			setup: func(ts *testServer) string {
				d := ts.startDevice("openid")
				_, err := ts.decideDevice(d.UserCode, provider.DeviceDecision{})
				require.NoError(ts.tb, err)
				return d.DeviceCode
			},
			status: http.StatusBadRequest,
			body:   errJSON("access_denied", "the user denied the request"),
		},
		{
			name: "expired_token after expires_in on the moved clock",
			setup: func(ts *testServer) string {
				d := ts.startDevice("openid")
				ts.clk.Advance(600 * time.Second)
				return d.DeviceCode
			},
			status: http.StatusBadRequest,
			body:   errJSON("expired_token", "the device code has expired; start a new device authorization"),
		},
		{
			name: "expired_token even when approved in time",
			setup: func(ts *testServer) string {
				d := ts.startDevice("openid")
				ts.approveDevice(d.UserCode, "alice")
				ts.clk.Advance(600 * time.Second)
				return d.DeviceCode
			},
			status: http.StatusBadRequest,
			body:   errJSON("expired_token", "the device code has expired; start a new device authorization"),
		},
		{
			name: "invalid_grant once redeemed",
			setup: func(ts *testServer) string {
				d := ts.startDevice("openid")
				ts.approveDevice(d.UserCode, "alice")
				require.Equal(ts.tb, http.StatusOK, ts.pollDevice(d.DeviceCode).status)
				return d.DeviceCode
			},
			status: http.StatusBadRequest,
			body:   errJSON("invalid_grant", "the device code has already been used"),
		},
		{
			name: "invalid_grant for a forged code with a live user code",
			setup: func(ts *testServer) string {
				d := ts.startDevice("openid")
				return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA." + d.DeviceCode[len(d.DeviceCode)-8:]
			},
			status: http.StatusBadRequest,
			body:   errJSON("invalid_grant", "the device code is invalid"),
		},
		{
			name:   "invalid_grant for a malformed code",
			setup:  func(*testServer) string { return "not-a-device-code" },
			status: http.StatusBadRequest,
			body:   errJSON("invalid_grant", "the device code is invalid"),
		},
		{
			name: "invalid_grant for another client's code",
			setup: func(ts *testServer) string {
				resp := ts.postForm(PathDeviceAuthorization, url.Values{"scope": {"openid"}}, partnerID, partnerSecret)
				require.Equal(ts.tb, http.StatusOK, resp.status)
				return resp.json(ts.tb)["device_code"].(string)
			},
			status: http.StatusBadRequest,
			body:   errJSON("invalid_grant", "the device code was issued to another client"),
		},
		{
			name:   "invalid_request without device_code",
			setup:  func(*testServer) string { return "" },
			form:   func(string) url.Values { return url.Values{"grant_type": {deviceGrantType}, "client_id": {spaID}} },
			status: http.StatusBadRequest,
			body:   errJSON("invalid_request", "device_code is required"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			code := tc.setup(ts)
			var resp response
			if tc.form != nil {
				resp = ts.postForm(PathToken, tc.form(code), "", "")
			} else {
				resp = ts.pollDevice(code)
			}
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
		})
	}

	t.Run("unauthorized_client for a client without the grant", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, nil)
		resp := ts.postForm(PathToken, url.Values{"grant_type": {deviceGrantType}, "device_code": {"x.BCDFGHJK"}}, webID, webSecret)
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, errJSON("unauthorized_client", `the client is not allowed to use grant_type "urn:ietf:params:oauth:grant-type:device_code"`), resp.String())
	})
}

// TestDeviceFailedPollsKeepTheCode: no refused poll uses the code up or
// records a poll (a forged code, another client), so the device still gets
// its tokens.
func TestDeviceFailedPollsKeepTheCode(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid")
	forged := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA." + d.DeviceCode[len(d.DeviceCode)-8:]
	require.Equal(t, http.StatusBadRequest, ts.pollDevice(forged).status)
	other := ts.postForm(PathToken, url.Values{"grant_type": {deviceGrantType}, "device_code": {d.DeviceCode}}, partnerID, partnerSecret)
	require.JSONEq(t, errJSON("invalid_grant", "the device code was issued to another client"), other.String())
	// Neither counted as a poll: the device's first poll is not slow_down.
	assert.JSONEq(t, errJSON("authorization_pending", "the user has not yet approved or denied the request"), ts.pollDevice(d.DeviceCode).String())
	ts.clk.Advance(5 * time.Second)
	ts.approveDevice(d.UserCode, "alice")
	assert.Equal(t, http.StatusOK, ts.pollDevice(d.DeviceCode).status)
}

// TestDeviceUserGoneAfterApproval: the user who approved a device is
// disabled or deleted before the device polls. The poll must not hand the
// device tokens for that user (signing in and refreshing refuse them);
// it changes nothing either, so when the user is back the same code is
// redeemed.
func TestDeviceUserGoneAfterApproval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		remove func(ts *testServer, u fixtures.User)
	}{
		{"disabled", func(ts *testServer, u fixtures.User) {
			u.Disabled = true
			require.Empty(ts.tb, ts.p.dir.PutUser(u))
		}},
		{"deleted", func(ts *testServer, _ fixtures.User) { require.True(ts.tb, ts.p.dir.DeleteUser("alice")) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			d := ts.startDevice("openid profile")
			ts.approveDevice(d.UserCode, "alice")
			alice, ok := ts.p.dir.User("alice")
			require.True(t, ok)
			tc.remove(ts, alice)

			for range 2 {
				resp := ts.pollDevice(d.DeviceCode)
				assert.Equal(t, http.StatusBadRequest, resp.status)
				assert.JSONEq(t, errJSON("invalid_grant", "the user who approved the device no longer exists or is disabled"), resp.String())
			}

			require.Empty(t, ts.p.dir.PutUser(alice))
			resp := ts.pollDevice(d.DeviceCode)
			require.Equal(t, http.StatusOK, resp.status, "the user is back: %s", resp.body)
			assert.Equal(t, aliceSubject, ts.verifyJWT(resp.json(t)["access_token"].(string))["sub"])
		})
	}
}

// TestDeviceSlowDownGrows: each too-early poll adds 5 s, for this and all
// later polls (RFC 8628 §3.5), counted from the last poll.
func TestDeviceSlowDownGrows(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid")
	pending := errJSON("authorization_pending", "the user has not yet approved or denied the request")
	steps := []struct {
		after time.Duration
		body  string
	}{
		{0, pending},
		{5 * time.Second, pending},
		{4 * time.Second, errJSON("slow_down", "polling too fast; wait at least 10 seconds between requests")},
		{9 * time.Second, errJSON("slow_down", "polling too fast; wait at least 15 seconds between requests")},
		{15 * time.Second, pending},
		{14 * time.Second, errJSON("slow_down", "polling too fast; wait at least 20 seconds between requests")},
		{20 * time.Second, pending},
	}
	for i, s := range steps {
		ts.clk.Advance(s.after)
		resp := ts.pollDevice(d.DeviceCode)
		assert.Equal(t, http.StatusBadRequest, resp.status, "step %d", i)
		assert.JSONEq(t, s.body, resp.String(), "step %d", i)
	}
}

// TestDeviceTokensOnce: 32 concurrent polls of an approved code, one gets
// tokens; the tokens are the lifecycle's (refresh, revoke by user).
func TestDeviceTokensOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid profile offline_access")
	decided, err := ts.decideDevice(d.UserCode, provider.DeviceDecision{Approve: true, Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.DeviceDecided{UserCode: d.UserCode, ClientID: spaID, Status: "approved", Username: "alice", Scopes: []string{"openid", "profile", "offline_access"}}, decided)

	const n = 32
	resps := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { resps[i] = ts.pollDevice(d.DeviceCode) })
	}
	wg.Wait()
	var won *response
	for i := range resps {
		if resps[i].status == http.StatusOK {
			require.Nil(t, won, "two polls got tokens")
			won = &resps[i]
			continue
		}
		assert.JSONEq(t, errJSON("invalid_grant", "the device code has already been used"), resps[i].String())
	}
	require.NotNil(t, won, "no poll got tokens")

	tok := ts.tokens(*won)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, "openid profile offline_access", tok.Scope)
	require.NotEmpty(t, tok.RefreshToken)
	at := ts.verifyJWT(tok.AccessToken)
	assert.Equal(t, aliceSubject, at["sub"])
	assert.Equal(t, spaID, at["client_id"])
	_, id := decodeJWT(t, tok.IDToken)
	assert.Equal(t, aliceSubject, id["sub"])
	assert.Equal(t, spaID, id["aud"])
	assert.Equal(t, "Alice Liddell", id["name"])
	assert.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status)

	refreshed := ts.postForm(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {spaID}}, "", "")
	require.Equal(t, http.StatusOK, refreshed.status, "%s", refreshed.body)
	next := ts.tokens(refreshed)

	_, err = ts.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	ts.assertAccessDead(tok.AccessToken)
	ts.assertAccessDead(next.AccessToken)
	ts.assertRefreshDead(next.RefreshToken)
}

// TestDeviceRevokedBeforePoll: revoking the approving user (or the client)
// between approval and the poll kills the approval; the device hears
// invalid_grant, and a flow approved after the call works.
func TestDeviceRevokedBeforePoll(t *testing.T) {
	t.Parallel()
	for _, sel := range []provider.TokenSelector{{Username: "alice"}, {ClientID: spaID}} {
		ts := newTestServer(t, nil)
		d := ts.startDevice("openid")
		ts.approveDevice(d.UserCode, "alice")
		_, err := ts.p.life.Revoke(t.Context(), sel)
		require.NoError(t, err)
		resp := ts.pollDevice(d.DeviceCode)
		assert.Equal(t, http.StatusBadRequest, resp.status, "%+v", sel)
		assert.JSONEq(t, errJSON("invalid_grant", "the device authorization has been revoked"), resp.String())

		next := ts.startDevice("openid")
		ts.approveDevice(next.UserCode, "alice")
		tok := ts.tokens(ts.pollDevice(next.DeviceCode))
		assert.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status, "approved after the call")
	}
}

// TestDeviceDecisions is the admin API's half: user codes in any spelling,
// narrowing, and the errors it turns into 404, 409 and 400.
func TestDeviceDecisions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	d := ts.startDevice("openid email")
	typed := " " + d.UserCode[:2] + "-" + d.UserCode[2:] + " "
	lower := []byte(typed)
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}

	_, err := ts.decideDevice(d.UserCode, provider.DeviceDecision{Approve: true, Username: "nobody"})
	require.ErrorIs(t, err, provider.ErrInvalidDecision)
	_, err = ts.decideDevice(d.UserCode, provider.DeviceDecision{Approve: true, Username: "carol"})
	require.ErrorIs(t, err, provider.ErrInvalidDecision, "carol is disabled")
	_, err = ts.decideDevice(d.UserCode, provider.DeviceDecision{Approve: true, Username: "bob", Scopes: []string{"openid", "api:write"}})
	require.ErrorIs(t, err, provider.ErrInvalidDecision, "scopes only narrow")

	got, err := ts.decideDevice(string(lower), provider.DeviceDecision{Approve: true, Username: "bob", Scopes: []string{"openid"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"openid"}, got.Scopes)
	_, err = ts.decideDevice(d.UserCode, provider.DeviceDecision{})
	require.ErrorIs(t, err, provider.ErrAlreadyDecided)

	resp := ts.pollDevice(d.DeviceCode)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	assert.Equal(t, "openid", ts.tokens(resp).Scope)

	for _, code := range []string{"BCDF-GHJK", "not a code", ""} {
		_, err = ts.decideDevice(code, provider.DeviceDecision{})
		assert.ErrorIs(t, err, provider.ErrUnknownUserCode, code)
	}
	e := ts.startDevice("openid")
	ts.clk.Advance(600 * time.Second)
	_, err = ts.decideDevice(e.UserCode, provider.DeviceDecision{Approve: true, Username: "alice"})
	assert.ErrorIs(t, err, provider.ErrUnknownUserCode, "expired")
}

func TestNormalizeUserCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"WDJB-MJHT", "WDJBMJHT", true},
		{"wdjb-mjht", "WDJBMJHT", true},
		{" wdjb mjht\n", "WDJBMJHT", true},
		{"WDJBMJHT", "WDJBMJHT", true},
		{"WDJB-MJH", "", false},   // short
		{"WDJB-MJHTX", "", false}, // long
		{"WDJA-MJHT", "", false},  // a vowel is never issued
		{"WDJB-MJH0", "", false},  // nor a digit
		{"WDJB_MJHT", "", false},  // only dashes and spaces are ignored
		{"WDJB-MJHŤ", "", false},  // nor non-ASCII
		{"ＷDJB-MJHT", "", false},  // full-width W
	} {
		got, ok := normalizeUserCode(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}
