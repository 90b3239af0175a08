package authmocktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/authmock/authmock/authmocktest"
	"github.com/authmock/authmock/internal/redistest"
)

// deviceConfig is x/oauth2's view of the default demo-device client.
func deviceConfig(am *authmocktest.Server) *oauth2.Config {
	base := am.ProviderURL("oidc")
	return &oauth2.Config{
		ClientID: "demo-device",
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: base + "/device_authorization",
			TokenURL:      base + "/token",
			// A public client: client_id in the body, no Basic header.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		Scopes: []string{"openid", "profile", "offline_access"},
	}
}

func deviceCtx(t *testing.T, am *authmocktest.Server) context.Context {
	return context.WithValue(t.Context(), oauth2.HTTPClient, am.Client())
}

// TestDeviceFlowWithXOAuth2 runs RFC 8628 with golang.org/x/oauth2's
// DeviceAuth and DeviceAccessToken, approved through authmocktest.
func TestDeviceFlowWithXOAuth2(t *testing.T) {
	am := authmocktest.New(t)
	cfg, ctx := deviceConfig(am), deviceCtx(t, am)
	da, err := cfg.DeviceAuth(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`, da.UserCode)
	assert.Equal(t, am.ProviderURL("oidc")+"/device", da.VerificationURI)
	assert.Equal(t, am.ProviderURL("oidc")+"/device?user_code="+da.UserCode, da.VerificationURIComplete)
	assert.Equal(t, int64(5), da.Interval)
	assert.WithinDuration(t, time.Now().Add(10*time.Minute), da.Expiry, time.Minute)

	decided := am.ApproveDevice("oidc", strings.ToLower(da.UserCode), "alice")
	assert.Equal(t, authmocktest.DeviceDecided{UserCode: da.UserCode, ClientID: "demo-device", Status: "approved", Username: "alice", Scopes: []string{"openid", "profile", "offline_access"}}, decided)

	// The server's clock is frozen, so the first poll is the one that
	// counts; x/oauth2 waits the interval before it, shortened here.
	da.Interval = 1
	tok, err := cfg.DeviceAccessToken(ctx, da)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.NotEmpty(t, tok.Extra("id_token"))

	// The tokens are the instance's: userinfo takes the access token and
	// the refresh token refreshes.
	// x/oauth2 judges expiry on the wall clock: the token is marked stale
	// by hand after the server's clock moved past it.
	am.Advance(2 * time.Hour)
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(ctx, tok).Token()
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, fresh.AccessToken)
	res := call(t, am, http.MethodGet, am.ProviderURL("oidc")+"/userinfo", map[string]string{"Authorization": "Bearer " + fresh.AccessToken}, "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Contains(t, res.body, `"name":"Alice Example"`)
}

func TestDeviceFlowDeniedWithXOAuth2(t *testing.T) {
	am := authmocktest.New(t)
	cfg, ctx := deviceConfig(am), deviceCtx(t, am)
	da, err := cfg.DeviceAuth(ctx)
	require.NoError(t, err)
	assert.Equal(t, "denied", am.DenyDevice("oidc", da.UserCode).Status)
	da.Interval = 1
	_, err = cfg.DeviceAccessToken(ctx, da)
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, "access_denied", re.ErrorCode)
}

// TestDeviceAdminAPI drives the admin API's approve and deny over HTTP:
// 200, 404 for an unknown or expired code, 409 when decided, 400 for a
// bad body.
func TestDeviceAdminAPI(t *testing.T) {
	am := authmocktest.New(t)
	cfg, ctx := deviceConfig(am), deviceCtx(t, am)
	start := func() *oauth2.DeviceAuthResponse {
		da, err := cfg.DeviceAuth(ctx)
		require.NoError(t, err)
		return da
	}
	adminAt := func(provider, userCode, action, body string) exchange {
		return call(t, am, http.MethodPost, am.URL()+"/_authmock/providers/"+provider+"/device/"+userCode+"/"+action, map[string]string{"Content-Type": "application/json"}, body)
	}
	admin := func(userCode, action, body string) exchange { return adminAt("oidc", userCode, action, body) }
	da := start()
	tests := []struct {
		name, provider, code, action, body string
		status                             int
		want                               string
	}{
		{"approve needs a username", "oidc", da.UserCode, "approve", `{}`, http.StatusBadRequest,
			`{"error":"invalid_request","error_description":"set \"username\": the user who approves"}`},
		{"unknown user", "oidc", da.UserCode, "approve", `{"username":"mallory"}`, http.StatusBadRequest,
			`{"error":"invalid_request","error_description":"invalid device decision: no user \"mallory\""}`},
		{"unknown field", "oidc", da.UserCode, "approve", `{"user":"alice"}`, http.StatusBadRequest,
			`{"error":"invalid_request","error_description":"the body is not the JSON this call takes: json: unknown field \"user\""}`},
		{"scopes beyond the request", "oidc", da.UserCode, "approve", `{"username":"alice","scopes":["email"]}`, http.StatusBadRequest,
			`{"error":"invalid_request","error_description":"invalid device decision: scope \"email\" was not part of the original grant"}`},
		{"unknown code", "oidc", "BCDF-GHJK", "approve", `{"username":"alice"}`, http.StatusNotFound,
			`{"error":"not_found","error_description":"no pending device authorization has this user code (a user code is forgotten once it expires)"}`},
		{"approve", "oidc", da.UserCode, "approve", `{"username":"bob","scopes":["openid"]}`, http.StatusOK,
			`{"user_code":"` + da.UserCode + `","client_id":"demo-device","status":"approved","username":"bob","scopes":["openid"]}`},
		{"decided", "oidc", da.UserCode, "deny", ``, http.StatusConflict,
			`{"error":"conflict","error_description":"the device authorization was already approved or denied"}`},
		{"unknown provider", "nope", da.UserCode, "deny", ``, http.StatusNotFound,
			`{"error":"not_found","error_description":"no provider instance \"nope\"; GET /_authmock/providers lists them"}`},
		{"a dialect without the device flow", "trackmania", da.UserCode, "deny", ``, http.StatusNotImplemented,
			`{"error":"not_supported","error_description":"provider instance trackmania cannot decide device authorizations"}`},
		{"GET is 405", "oidc", da.UserCode, "approve", ``, http.StatusMethodNotAllowed, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status == http.StatusMethodNotAllowed {
				res := call(t, am, http.MethodGet, am.URL()+"/_authmock/providers/oidc/device/"+tc.code+"/approve", nil, "")
				assert.Equal(t, tc.status, res.status)
				return
			}
			res := adminAt(tc.provider, tc.code, tc.action, tc.body)
			assert.Equal(t, tc.status, res.status)
			assert.JSONEq(t, tc.want, res.body)
		})
	}
	da.Interval = 1
	tok, err := cfg.DeviceAccessToken(ctx, da)
	require.NoError(t, err)
	assert.Equal(t, "openid", tok.Extra("scope"))

	t.Run("deny, and an expired code is 404", func(t *testing.T) {
		denied := start()
		res := admin(strings.ReplaceAll(denied.UserCode, "-", ""), "deny", "")
		require.Equal(t, http.StatusOK, res.status, res.body)
		assert.JSONEq(t, `{"user_code":"`+denied.UserCode+`","client_id":"demo-device","status":"denied"}`, res.body)

		late := start()
		am.Advance(10 * time.Minute)
		res = admin(late.UserCode, "approve", `{"username":"alice"}`)
		assert.Equal(t, http.StatusNotFound, res.status, res.body)
	})
}

// The journal never shows a device code, in the response that carries it
// or in the polls that present it; the user code is redacted as well, as
// whoever holds it can approve the device as themselves.
func TestDeviceJournalRedacts(t *testing.T) {
	am := authmocktest.New(t)
	cfg, ctx := deviceConfig(am), deviceCtx(t, am)
	da, err := cfg.DeviceAuth(ctx)
	require.NoError(t, err)
	call(t, am, http.MethodPost, am.ProviderURL("oidc")+"/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=demo-device&device_code="+da.DeviceCode)
	entries := am.Journal(authmocktest.JournalFilter{})
	require.Len(t, entries, 2)
	b, err := json.Marshal(entries)
	require.NoError(t, err)
	assert.NotContains(t, string(b), da.DeviceCode)
	assert.NotContains(t, string(b), da.DeviceCode[:43], "not even the random part")
	assert.NotContains(t, string(b), da.UserCode)
	assert.Contains(t, string(b), "authorization_pending")
	assert.Contains(t, string(b), `"verification_uri_complete":"`+am.ProviderURL("oidc")+`/device?user_code=[redacted sha256:`)
}

// Faults reach the device authorization endpoint like any other route.
func TestDeviceAuthorizationFault(t *testing.T) {
	am := authmocktest.New(t)
	am.QueueFault(authmocktest.Fault{Provider: "oidc", Path: "/device_authorization", Preset: "invalid_client"})
	cfg, ctx := deviceConfig(am), deviceCtx(t, am)
	_, err := cfg.DeviceAuth(ctx)
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
	assert.Equal(t, "invalid_client", re.ErrorCode)
	assert.Empty(t, am.Faults(), "the rule fired")
	_, err = cfg.DeviceAuth(ctx)
	require.NoError(t, err)
}

// TestRedisReplicasShareDeviceFlows: a device flow started at replica A is
// polled at B (and A sees that poll), approved through B's admin API, and
// 64 polls split across both get tokens exactly once.
func TestRedisReplicasShareDeviceFlows(t *testing.T) {
	opts := withStore(fmt.Sprintf("%s?prefix=device-%d:", redistest.Start(t), redisPrefixes.Add(1)))
	a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
	da, err := deviceConfig(a).DeviceAuth(deviceCtx(t, a))
	require.NoError(t, err)

	poll := func(am *authmocktest.Server) exchange {
		h, body := form(map[string][]string{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {"demo-device"}, "device_code": {da.DeviceCode}})
		return call(t, am, http.MethodPost, am.ProviderURL("oidc")+"/token", h, body)
	}
	assert.JSONEq(t, `{"error":"authorization_pending","error_description":"the user has not yet approved or denied the request"}`, poll(b).body, "B knows the flow A started")
	assert.JSONEq(t, `{"error":"slow_down","error_description":"polling too fast; wait at least 10 seconds between requests"}`, poll(a).body, "A saw B's poll")
	res := call(t, b, http.MethodPost, b.URL()+"/_authmock/providers/oidc/device/"+da.UserCode+"/approve", map[string]string{"Content-Type": "application/json"}, `{"username":"alice"}`)
	require.Equal(t, http.StatusOK, res.status, res.body)

	const n = 64
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = poll([]*authmocktest.Server{a, b}[i%2]).status })
	}
	wg.Wait()
	wins := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			wins++
		} else {
			assert.Equal(t, http.StatusBadRequest, s)
		}
	}
	assert.Equal(t, 1, wins, "one of 64 polls split across two replicas gets tokens")
}
