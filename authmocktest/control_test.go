package authmocktest_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

// dialectControl is how one dialect is driven through the admin token
// calls: who to mint for, how to refresh, and the errors to expect.
type dialectControl struct {
	dialect  string
	mint     string // the admin mint body
	username string
	// refresh exchanges a refresh token for an access token over HTTP, as
	// the dialect's clients do.
	refresh func(t *testing.T, am *authmocktest.Server, refreshToken string) (status int, body, accessToken string)
	// expired and revoked are a protected route's answers after the admin
	// API's expire and revoke; clockExpired, when the answer differs, after
	// the clock passed the token's exp.
	expired, revoked     [2]string // status, body
	clockExpired         [2]string
	refreshRevokedStatus int
	refreshRevokedBody   string
	// refreshStatus is a refresh's success status when it is not 200.
	refreshStatus                      int
	expiredHeaderWant, revokedAuthWant string
	// reuseKeepsFamily: a used refresh token presented again is refused
	// and revokes nothing (trackmania, as league/oauth2-server does).
	reuseKeepsFamily bool
}

func form(values url.Values) (map[string]string, string) {
	return map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, values.Encode()
}

var controls = []dialectControl{
	{
		dialect: "dotypos", username: "owner",
		mint: `{"client_id":"demo-dotypos","username":"owner"}`,
		refresh: func(t *testing.T, am *authmocktest.Server, rt string) (int, string, string) {
			res := call(t, am, http.MethodPost, am.ProviderURL("dotypos")+"/v2/signin/token",
				map[string]string{"Authorization": "User " + rt, "Content-Type": "application/json"}, `{"_cloudId":123456789}`)
			var out struct{ AccessToken string }
			_ = json.Unmarshal([]byte(res.body), &out)
			return res.status, res.body, out.AccessToken
		},
		refreshStatus: http.StatusCreated,
		expired: [2]string{"403", `{"timestamp":"` + nowTS + `","status":403,"error":"Forbidden","reason":"ACCESS_TOKEN_EXPIRED",
			"message":"the access token was expired by the admin API"}`},
		clockExpired: [2]string{"403", `{"timestamp":"` + nowTS + `","status":403,"error":"Forbidden","reason":"ACCESS_TOKEN_EXPIRED",
			"message":"the access token expired"}`},
		revoked: [2]string{"401", `{"timestamp":"` + nowTS + `","status":401,"error":"Unauthorized","reason":"INVALID_ACCESS_TOKEN",
			"message":"the access token has been revoked"}`},
		refreshRevokedStatus: 401, refreshRevokedBody: `{"timestamp":"` + nowTS + `","status":401,"error":"Unauthorized",
			"reason":"INVALID_REFRESH_TOKEN","message":"the refresh token was revoked"}`,
	},
	{
		dialect: "trackmania", username: "alice",
		mint: `{"client_id":"demo-trackmania-app","username":"alice"}`,
		refresh: func(t *testing.T, am *authmocktest.Server, rt string) (int, string, string) {
			h, body := form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
				"client_id": {"demo-trackmania-app"}, "client_secret": {"demo-trackmania-secret"}})
			res := call(t, am, http.MethodPost, am.ProviderURL("trackmania")+"/api/access_token", h, body)
			var out struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal([]byte(res.body), &out)
			return res.status, res.body, out.AccessToken
		},
		expired: [2]string{"401", `{"error":"invalid_token","error_description":"the access token expired"}`},
		revoked: [2]string{"401", `{"error":"invalid_token","error_description":"the access token has been revoked"}`},
		// league 8's invalidRefreshToken.
		refreshRevokedStatus: 401, refreshRevokedBody: `{"error":"invalid_request","error_description":"The refresh token is invalid.","message":"The refresh token is invalid.","hint":"Token has been revoked"}`,
		revokedAuthWant:  `error="invalid_token"`,
		reuseKeepsFamily: true,
	},
	{
		dialect: "fastapi", username: "alice@example.com",
		mint: `{"username":"alice@example.com"}`,
		refresh: func(t *testing.T, am *authmocktest.Server, rt string) (int, string, string) {
			res := call(t, am, http.MethodPost, am.ProviderURL("fastapi")+"/auth/jwt/refresh", map[string]string{"refresh-token": rt}, "")
			var out struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal([]byte(res.body), &out)
			return res.status, res.body, out.AccessToken
		},
		expired:              [2]string{"401", `{"detail":"Unauthorized"}`},
		revoked:              [2]string{"401", `{"detail":"Unauthorized"}`},
		refreshRevokedStatus: 401, refreshRevokedBody: `{"detail":"Refresh token expired; Please login again"}`,
	},
	{
		dialect: "oidc", username: "alice",
		mint: `{"client_id":"demo-web","username":"alice","scopes":["openid","offline_access"]}`,
		refresh: func(t *testing.T, am *authmocktest.Server, rt string) (int, string, string) {
			h, body := form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
				"client_id": {"demo-web"}, "client_secret": {"demo-web-secret"}})
			res := call(t, am, http.MethodPost, am.ProviderURL("oidc")+"/token", h, body)
			var out struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal([]byte(res.body), &out)
			return res.status, res.body, out.AccessToken
		},
		expired:              [2]string{"401", `{"error":"invalid_token","error_description":"the access token expired"}`},
		revoked:              [2]string{"401", `{"error":"invalid_token","error_description":"the access token has been revoked"}`},
		refreshRevokedStatus: 400, refreshRevokedBody: `{"error":"invalid_grant","error_description":"the refresh token is invalid, expired or revoked"}`,
		revokedAuthWant: `error="invalid_token"`,
	},
}

// adminCall calls the admin API as curl would.
func adminCall(t *testing.T, am *authmocktest.Server, method, path, body string) exchange {
	t.Helper()
	return call(t, am, method, am.URL()+"/_authmock"+path, nil, body)
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// Through the admin API over HTTP, in every dialect: expire a user's
// tokens and the next call gets the dialect's expired-token error while
// refresh still works; revoke them and both access and refresh fail with
// the dialect's own errors; a token issued afterwards, on the same frozen
// second, works.
func TestAdminExpireAndRevokeInEveryDialect(t *testing.T) {
	for _, dc := range controls {
		t.Run(dc.dialect, func(t *testing.T) {
			am := authmocktest.New(t)
			target := am.ProviderURL(dc.dialect) + protected[dc.dialect]
			res := adminCall(t, am, http.MethodPost, "/providers/"+dc.dialect+"/tokens", dc.mint)
			require.Equal(t, http.StatusCreated, res.status, res.body)
			var minted authmocktest.MintResult
			require.NoError(t, json.Unmarshal([]byte(res.body), &minted))
			require.NotEmpty(t, minted.JTI, "mint names the token for revoke and expire")
			require.NotEmpty(t, minted.RefreshToken)
			require.Equal(t, http.StatusOK, call(t, am, http.MethodGet, target, bearer(minted.AccessToken), "").status)

			// Expire: the access token fails as expired; refresh works.
			res = adminCall(t, am, http.MethodPost, "/providers/"+dc.dialect+"/tokens/expire", `{"username":"`+dc.username+`"}`)
			require.Equal(t, http.StatusOK, res.status, res.body)
			assert.JSONEq(t, `{"access_tokens":1,"refresh_tokens":0}`, res.body)
			res = call(t, am, http.MethodGet, target, bearer(minted.AccessToken), "")
			assert.Equal(t, dc.expired[0], itoa(res.status), res.body)
			assert.JSONEq(t, atNow(am, dc.expired[1]), res.body)

			status, body, fresh := dc.refresh(t, am, minted.RefreshToken)
			require.Equal(t, cmp.Or(dc.refreshStatus, http.StatusOK), status, "refresh after expire: %s", body)
			require.NotEmpty(t, fresh)
			require.Equal(t, http.StatusOK, call(t, am, http.MethodGet, target, bearer(fresh), "").status, "the refreshed token works")

			// Revoke: every token of the user fails, refresh included.
			res = adminCall(t, am, http.MethodPost, "/providers/"+dc.dialect+"/tokens/revoke", `{"username":"`+dc.username+`"}`)
			require.Equal(t, http.StatusOK, res.status, res.body)
			var n authmocktest.Selected
			require.NoError(t, json.Unmarshal([]byte(res.body), &n))
			assert.Positive(t, n.AccessTokens)
			res = call(t, am, http.MethodGet, target, bearer(fresh), "")
			assert.Equal(t, dc.revoked[0], itoa(res.status), res.body)
			assert.JSONEq(t, atNow(am, dc.revoked[1]), res.body)
			if dc.revokedAuthWant != "" {
				assert.Contains(t, res.header.Get("WWW-Authenticate"), dc.revokedAuthWant)
			}
			var latestRefresh string
			var refreshed struct {
				RefreshToken string `json:"refresh_token"`
			}
			_ = json.Unmarshal([]byte(body), &refreshed)
			latestRefresh = refreshed.RefreshToken
			if latestRefresh == "" {
				latestRefresh = minted.RefreshToken // a dialect that does not rotate
			}
			status, body, _ = dc.refresh(t, am, latestRefresh)
			assert.Equal(t, dc.refreshRevokedStatus, status, body)
			assert.JSONEq(t, atNow(am, dc.refreshRevokedBody), body)

			// The clock is frozen: a new token has the same iat, and works.
			again := am.Mint(dc.dialect, mintRequest(t, dc.mint))
			res = call(t, am, http.MethodGet, target, bearer(again.AccessToken), "")
			assert.Equal(t, http.StatusOK, res.status, "a token issued after the revoke: %s", res.body)

			res = adminCall(t, am, http.MethodPost, "/providers/"+dc.dialect+"/tokens/revoke", `{"jti":"no-such-token"}`)
			assert.Equal(t, http.StatusNotFound, res.status, res.body)
		})
	}
}

func mintRequest(t *testing.T, body string) authmocktest.MintRequest {
	t.Helper()
	var req authmocktest.MintRequest
	require.NoError(t, json.Unmarshal([]byte(body), &req))
	return req
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A user added over the admin API can get tokens at once; deleting it
// revokes them, with the dialect's revoked-token error; reset brings the
// configured users back.
func TestAdminFixturesInEveryDialect(t *testing.T) {
	tests := []struct {
		dialect, username, item, mint string
		revoked                       string
	}{
		{"dotypos", "manager", `{"password":"pw","user_clouds":[123456789]}`, `{"client_id":"demo-dotypos","username":"manager"}`,
			`{"timestamp":"` + nowTS + `","status":401,"error":"Unauthorized","reason":"INVALID_ACCESS_TOKEN","message":"the access token has been revoked"}`},
		{"trackmania", "carol", `{"password":"pw","subject":"0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f","claims":{"display_name":"CarolTM"}}`, `{"client_id":"demo-trackmania-app","username":"carol"}`, `{"error":"invalid_token","error_description":"the access token has been revoked"}`},
		{"fastapi", "erin@example.com", `{"password":"erin-password","claims":{"is_verified":true}}`, `{"username":"erin@example.com"}`, `{"detail":"Unauthorized"}`},
		{"oidc", "mallory", `{"password":"pw","claims":{"email":"m@example.com","groups":["a"]}}`, `{"client_id":"demo-web","username":"mallory","scopes":["openid"]}`, `{"error":"invalid_token","error_description":"the access token has been revoked"}`},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			am := authmocktest.New(t)
			users := "/providers/" + tt.dialect + "/users/"
			res := adminCall(t, am, http.MethodPut, users+url.PathEscape(tt.username), tt.item)
			require.Equal(t, http.StatusCreated, res.status, res.body)
			assert.NotContains(t, res.body, `pw"`, "the password is masked")

			res = adminCall(t, am, http.MethodPost, "/providers/"+tt.dialect+"/tokens", tt.mint)
			require.Equal(t, http.StatusCreated, res.status, res.body)
			var minted authmocktest.MintResult
			require.NoError(t, json.Unmarshal([]byte(res.body), &minted))
			target := am.ProviderURL(tt.dialect) + protected[tt.dialect]
			res = call(t, am, http.MethodGet, target, bearer(minted.AccessToken), "")
			require.Equal(t, http.StatusOK, res.status, "the new user's token works: %s", res.body)

			res = adminCall(t, am, http.MethodPatch, users+url.PathEscape(tt.username), `{"password":"rotated"}`)
			require.Equal(t, http.StatusOK, res.status, res.body)

			res = adminCall(t, am, http.MethodDelete, users+url.PathEscape(tt.username), "")
			require.Equal(t, http.StatusNoContent, res.status, res.body)
			res = call(t, am, http.MethodGet, target, bearer(minted.AccessToken), "")
			assert.Equal(t, http.StatusUnauthorized, res.status)
			assert.JSONEq(t, atNow(am, tt.revoked), res.body, "a deleted user's tokens are revoked")
			res = adminCall(t, am, http.MethodGet, users+url.PathEscape(tt.username), "")
			assert.Equal(t, http.StatusNotFound, res.status)

			res = adminCall(t, am, http.MethodPut, users+"x", `{"no_such_member":1}`)
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Contains(t, res.body, `"problems"`)

			before := adminCall(t, am, http.MethodGet, "/providers/"+tt.dialect+"/users", "").body
			adminCall(t, am, http.MethodPut, users+url.PathEscape(tt.username), tt.item)
			require.NotEqual(t, before, adminCall(t, am, http.MethodGet, "/providers/"+tt.dialect+"/users", "").body)
			am.Reset()
			assert.Equal(t, before, adminCall(t, am, http.MethodGet, "/providers/"+tt.dialect+"/users", "").body, "reset brings the configured users back")
		})
	}
}

// Servers made from the same options share one loaded configuration (it is
// cached); fixtures changed on one must not show on another.
func TestServersFromOneConfigShareNoState(t *testing.T) {
	a, b := authmocktest.New(t), authmocktest.New(t)
	assert.True(t, a.PutFixture("oidc", "users", "mallory", `{"password":"pw"}`))
	a.PutFixture("oidc", "clients", "demo-web", `{"secret":"changed","redirect_uris":["https://changed.example/cb"]}`)
	a.PutFixture("dotypos", "clouds", "999", `{"id":999,"name":"Elsewhere"}`)
	a.PutFixture("dotypos", "users", "owner", `{"user_clouds":[999]}`)
	assert.True(t, a.DeleteFixture("trackmania", "users", "bob"))
	a.PutFixture("fastapi", "users", "alice@example.com", `{"password":"changed","claims":{"is_verified":false}}`)

	for _, s := range []*authmocktest.Server{b, authmocktest.New(t)} {
		assert.Equal(t, a.Fixtures("oidc", "users")[:2], s.Fixtures("oidc", "users")[:2], "alice and bob as configured")
		assert.Len(t, s.Fixtures("oidc", "users"), 2)
		assert.NotContains(t, string(fixture(s, "oidc", "clients", "demo-web")), "changed")
		assert.NotContains(t, string(fixture(s, "fastapi", "users", "alice@example.com")), "changed")
		assert.Len(t, s.Fixtures("trackmania", "users"), 2)
		assert.Len(t, s.Fixtures("dotypos", "clouds"), 3)
		assert.NotContains(t, string(fixture(s, "dotypos", "users", "owner")), "999")
	}
}

func fixture(s *authmocktest.Server, providerName, kind, id string) json.RawMessage {
	for _, item := range s.Fixtures(providerName, kind) {
		var v map[string]any
		_ = json.Unmarshal(item, &v)
		if v["id"] == id || v["username"] == id {
			return item
		}
	}
	return nil
}
