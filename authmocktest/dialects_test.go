package authmocktest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

type exchange struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, am *authmocktest.Server, method, target string, header map[string]string, body string) exchange {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := am.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return exchange{res.StatusCode, res.Header, string(b)}
}

// nowTS stands for the server's clock in an expected body (a Dotypos
// error's timestamp); atNow puts the frozen clock's reading in its place.
const nowTS = "{{now}}"

func atNow(am *authmocktest.Server, body string) string {
	return strings.ReplaceAll(body, nowTS, am.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
}

// tokens mints one user access token per dialect.
func tokens(am *authmocktest.Server) map[string]authmocktest.MintResult {
	return map[string]authmocktest.MintResult{
		"dotypos":    am.Mint("dotypos", authmocktest.MintRequest{ClientID: "demo-dotypos", Username: "owner"}),
		"trackmania": am.Mint("trackmania", authmocktest.MintRequest{ClientID: "demo-trackmania-app", Username: "alice"}),
		"fastapi":    am.Mint("fastapi", authmocktest.MintRequest{Username: "alice@example.com"}),
		"oidc":       am.Mint("oidc", authmocktest.MintRequest{ClientID: "demo-web", Username: "alice", Scopes: []string{"openid"}}),
	}
}

// protected is a route of each dialect that takes the minted access token.
var protected = map[string]string{
	"dotypos": "/v2/clouds", "trackmania": "/api/user", "fastapi": "/users/me", "oidc": "/userinfo",
}

// Moving the server clock past exp makes every dialect answer with its own
// expired-token error.
func TestClockExpiresEveryDialectsTokens(t *testing.T) {
	am := authmocktest.New(t)
	minted := tokens(am)
	for name, path := range protected {
		res := call(t, am, http.MethodGet, am.ProviderURL(name)+path, map[string]string{"Authorization": "Bearer " + minted[name].AccessToken}, "")
		require.Equal(t, http.StatusOK, res.status, "%s before: %s", name, res.body)
	}

	am.Advance(2 * time.Hour)
	tests := []struct {
		dialect    string
		wantStatus int
		wantBody   string
		wantAuth   string
	}{
		{"dotypos", 403, `{"timestamp":"` + nowTS + `","status":403,"error":"Forbidden","reason":"ACCESS_TOKEN_EXPIRED","message":"the access token expired"}`, ""},
		{"trackmania", 401, `{"error":"invalid_token","error_description":"the access token expired"}`, `error="invalid_token"`},
		{"fastapi", 401, `{"detail":"Unauthorized"}`, ""},
		{"oidc", 401, `{"error":"invalid_token","error_description":"the access token expired"}`, `error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			res := call(t, am, http.MethodGet, am.ProviderURL(tt.dialect)+protected[tt.dialect], map[string]string{"Authorization": "Bearer " + minted[tt.dialect].AccessToken}, "")
			assert.Equal(t, tt.wantStatus, res.status)
			assert.JSONEq(t, atNow(am, tt.wantBody), res.body)
			if tt.wantAuth == "" {
				assert.Empty(t, res.header.Get("WWW-Authenticate"))
			} else {
				assert.Contains(t, res.header.Get("WWW-Authenticate"), tt.wantAuth)
			}
		})
	}
}

// A queued preset reaches the client in the dialect's own format, on the
// endpoint the dialect would raise it on.
// leagueInvalidGrant is league/oauth2-server's text for invalid_grant.
const leagueInvalidGrant = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."

func TestPresetsSpeakEachDialect(t *testing.T) {
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name       string
		fault      authmocktest.Fault
		method     string
		path       string
		header     func(minted map[string]authmocktest.MintResult) map[string]string
		body       func(minted map[string]authmocktest.MintResult) string
		wantStatus int
		wantBody   string
		wantHeader [2]string
	}{
		{
			name:   "trackmania refresh gets invalid_grant",
			fault:  authmocktest.Fault{Provider: "trackmania", Path: "/api/access_token", Preset: "invalid_grant"},
			method: "POST", path: "/api/access_token",
			header: func(map[string]authmocktest.MintResult) map[string]string { return form },
			body: func(m map[string]authmocktest.MintResult) string {
				return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["trackmania"].RefreshToken},
					"client_id": {"demo-trackmania-app"}, "client_secret": {"demo-trackmania-secret"}}.Encode()
			},
			// league's shape: its text for the error, the fault's words as
			// the hint.
			wantStatus: 400, wantBody: `{"error":"invalid_grant","error_description":"` + leagueInvalidGrant + `","message":"` + leagueInvalidGrant + `","hint":"injected fault: the grant is invalid, expired or revoked"}`,
		},
		{
			name:   "trackmania resource gets a bearer challenge",
			fault:  authmocktest.Fault{Provider: "trackmania", Path: "/api/user", Preset: "invalid_token"},
			method: "GET", path: "/api/user",
			header: func(m map[string]authmocktest.MintResult) map[string]string {
				return map[string]string{"Authorization": "Bearer " + m["trackmania"].AccessToken}
			},
			wantStatus: 401, wantBody: `{"error":"invalid_token","error_description":"injected fault: the access token is invalid"}`,
			wantHeader: [2]string{"WWW-Authenticate", `error="invalid_token"`},
		},
		{
			name:   "dotypos expired token",
			fault:  authmocktest.Fault{Provider: "dotypos", Path: "/v2/clouds", Preset: "expired_token"},
			method: "GET", path: "/v2/clouds",
			header: func(m map[string]authmocktest.MintResult) map[string]string {
				return map[string]string{"Authorization": "Bearer " + m["dotypos"].AccessToken}
			},
			wantStatus: 403, wantBody: `{"timestamp":"` + nowTS + `","status":403,"error":"Forbidden","reason":"ACCESS_TOKEN_EXPIRED",
				"message":"injected fault: the access token expired"}`,
		},
		{
			name:   "dotypos signin gets a rejected refresh token",
			fault:  authmocktest.Fault{Provider: "dotypos", Path: "/v2/signin/token", Preset: "invalid_grant"},
			method: "POST", path: "/v2/signin/token",
			header: func(m map[string]authmocktest.MintResult) map[string]string {
				return map[string]string{"Authorization": "User " + m["dotypos"].RefreshToken, "Content-Type": "application/json"}
			},
			body:       func(map[string]authmocktest.MintResult) string { return `{"_cloudId": 123456789}` },
			wantStatus: 401, wantBody: `{"timestamp":"` + nowTS + `","status":401,"error":"Unauthorized","reason":"INVALID_REFRESH_TOKEN",
				"message":"injected fault: the grant is invalid, expired or revoked"}`,
		},
		{
			name:   "dotypos rate limited",
			fault:  authmocktest.Fault{Provider: "dotypos", Preset: "rate_limited"},
			method: "GET", path: "/v2/clouds",
			header: func(m map[string]authmocktest.MintResult) map[string]string {
				return map[string]string{"Authorization": "Bearer " + m["dotypos"].AccessToken}
			},
			wantStatus: 429, wantBody: `{"timestamp":"` + nowTS + `","status":429,"error":"Too Many Requests","reason":"TOO_MANY_REQUESTS",
				"message":"injected fault: too many requests"}`, wantHeader: [2]string{"Retry-After", "1"},
		},
		{
			name:   "fastapi refresh gets the reuse answer",
			fault:  authmocktest.Fault{Provider: "fastapi", Path: "/auth/jwt/refresh", Preset: "invalid_grant"},
			method: "POST", path: "/auth/jwt/refresh",
			header: func(m map[string]authmocktest.MintResult) map[string]string {
				return map[string]string{"refresh-token": m["fastapi"].RefreshToken}
			},
			wantStatus: 401, wantBody: `{"detail":"Refresh token expired; Please login again"}`,
		},
		{
			name:   "fastapi login gets bad credentials",
			fault:  authmocktest.Fault{Provider: "fastapi", Path: "/auth/jwt/login", User: "alice@example.com", Preset: "invalid_grant"},
			method: "POST", path: "/auth/jwt/login",
			header: func(map[string]authmocktest.MintResult) map[string]string { return form },
			body: func(map[string]authmocktest.MintResult) string {
				return "username=alice%40example.com&password=alice-password"
			},
			wantStatus: 400, wantBody: `{"detail":"LOGIN_BAD_CREDENTIALS"}`,
		},
		{
			name:   "oidc userinfo gets a bearer challenge",
			fault:  authmocktest.Fault{Provider: "oidc", Path: "/userinfo", Preset: "invalid_token"},
			method: "GET", path: "/userinfo",
			header: func(m map[string]authmocktest.MintResult) map[string]string {
				return map[string]string{"Authorization": "Bearer " + m["oidc"].AccessToken}
			},
			wantStatus: 401, wantBody: `{"error":"invalid_token","error_description":"injected fault: the access token is invalid"}`,
			wantHeader: [2]string{"WWW-Authenticate", `error="invalid_token"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			am := authmocktest.New(t)
			minted := tokens(am)
			am.QueueFault(tt.fault)
			var body string
			if tt.body != nil {
				body = tt.body(minted)
			}
			target := am.ProviderURL(tt.fault.Provider) + tt.path
			res := call(t, am, tt.method, target, tt.header(minted), body)
			assert.Equal(t, tt.wantStatus, res.status)
			assert.JSONEq(t, atNow(am, tt.wantBody), res.body)
			if tt.wantHeader[0] != "" {
				assert.Contains(t, res.header.Get(tt.wantHeader[0]), tt.wantHeader[1])
			}
			again := call(t, am, tt.method, target, tt.header(minted), body)
			assert.Less(t, again.status, 300, "the fault fired once; the dialect answers the next call itself: %s", again.body)
		})
	}
}
