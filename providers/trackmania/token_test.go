package trackmania

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenAuthorizationCode(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.redeem(ts.code(nil), nil)
	tok := ts.tokens(resp, true)
	assert.Equal(t, int64(3600), tok.ExpiresIn)
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	assert.Equal(t, "no-cache", resp.header.Get("Pragma"))
	assert.Equal(t, "application/json;charset=UTF-8", resp.header.Get("Content-Type"))
	assert.NotContains(t, resp.String(), "scope", "no scope member, as documented")
	assert.Len(t, strings.Split(tok.AccessToken, "."), 3, "a JWT by default, as league issues them")
	assert.Len(t, tok.RefreshToken, 43, "refresh tokens stay opaque: 256 random bits, base64url")

	opaque := newTestServer(t, opaqueMode)
	otok := opaque.tokens(opaque.redeem(opaque.code(nil), nil), true)
	assert.Len(t, otok.AccessToken, 43, "opaque: 256 random bits, base64url")
	assert.JSONEq(t, `{"accountId":"`+aliceID+`","displayName":"AliceTM"}`, opaque.api(PathUser, "", otok.AccessToken).String())

	user := ts.api(PathUser, "", tok.AccessToken)
	require.Equal(t, http.StatusOK, user.status, "%s", user.body)
	assert.JSONEq(t, `{"accountId":"`+aliceID+`","displayName":"AliceTM"}`, user.String())
}

func TestTokenBasicAuthAccepted(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {ts.code(nil)}, "redirect_uri": {webRedirect}}
	req, err := http.NewRequest(http.MethodPost, ts.url(PathToken), strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", basicAuth(webID, webSecret))
	ts.tokens(ts.do(req), true)
}

func TestTokenCodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		over   url.Values
		status int
		body   string
	}{
		{"missing code", url.Values{"code": {""}}, 400, tmRequest("Check the `code` parameter")},
		{"missing redirect_uri", url.Values{"redirect_uri": {""}}, 400, tmRequest("Check the `redirect_uri` parameter")},
		{"other redirect_uri", url.Values{"redirect_uri": {webRedirect2}}, 400, tmRequest("Invalid redirect URI")},
		{"unknown code", url.Values{"code": {"nope"}}, 400, tmRequest("Cannot decrypt the authorization code")},
		{"another client", url.Values{"client_id": {limitedID}, "client_secret": {limitedSecret}}, 400, tmRequest("Authorization code was not issued to this client")},
		{"wrong secret", url.Values{"client_secret": {"wrong"}}, 401, tmClientFailed},
		{"unknown client", url.Values{"client_id": {"nobody"}}, 401, tmClientFailed},
		{"no client", url.Values{"client_id": {""}, "client_secret": {""}}, 400, tmRequest("Check the `client_id` parameter")},
		{"no secret", url.Values{"client_secret": {""}}, 401, tmClientFailed},
		{"client without the grant", url.Values{"client_id": {svcID}, "client_secret": {svcSecret}}, 401, tmClientFailed},
		{"missing grant_type", url.Values{"grant_type": {""}}, 400, tmUnsupportedGrant},
		{"password grant", url.Values{"grant_type": {"password"}}, 400, tmUnsupportedGrant},
		{"implicit as a grant", url.Values{"grant_type": {"token"}}, 400, tmUnsupportedGrant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			code := ts.code(nil)
			resp := ts.redeem(code, tc.over)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
			assert.Empty(t, resp.header.Get("WWW-Authenticate"), "no challenge without Basic")
			// A rejected request changes nothing: the code still works.
			ts.tokens(ts.redeem(code, nil), true)
		})
	}
}

func TestTokenTransportErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	post := func(contentType, body string) response {
		return ts.request(http.MethodPost, PathToken, "", "", contentType, body)
	}
	creds := "client_id=svc&client_secret=" + svcSecret
	tests := []struct {
		name   string
		resp   response
		status int
		body   string
	}{
		{"JSON body", post("application/json", `{"grant_type":"client_credentials"}`), 400, tmRequest("the request body must be application/x-www-form-urlencoded")},
		{"too large", post("application/x-www-form-urlencoded", creds+"&grant_type=client_credentials&pad="+strings.Repeat("a", testMaxBody)), 413, tmRequest("the request body is too large")},
		{"duplicate parameter", post("application/x-www-form-urlencoded", creds+"&grant_type=client_credentials&grant_type=client_credentials"), 400, tmRequest(`parameter "grant_type" was sent more than once`)},
		{"GET", ts.request(http.MethodGet, PathToken, "grant_type=client_credentials&"+creds, "", "", ""), 405, tmRequest("the token endpoint accepts POST only")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.status, tc.resp.status)
			assert.JSONEq(t, tc.body, tc.resp.String())
		})
	}
	assert.Equal(t, "POST", tests[3].resp.header.Get("Allow"))
}

// TestTokenCodeSingleUseAndReplay: league refuses a replayed code and
// revokes nothing; reuse "revoke_grant" also revokes what it issued.
func TestTokenCodeSingleUseAndReplay(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name    string
		mutate  func(*Config)
		revokes bool
	}{{"league", nil, false}, {"league opaque", opaqueMode, false}, {"revoke_grant", strictMode, true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			code := ts.code(nil)
			tok := ts.tokens(ts.redeem(code, nil), true)

			resp := ts.redeem(code, nil)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, tmRequest("Authorization code has been revoked"), resp.String())

			user := ts.api(PathUser, "", tok.AccessToken)
			if !mode.revokes {
				// The tokens the code issued stay valid.
				assert.Equal(t, http.StatusOK, user.status, "%s", user.body)
				ts.tokens(ts.refresh(tok.RefreshToken), true)
				return
			}
			assert.Equal(t, http.StatusUnauthorized, user.status)
			assert.Equal(t, `Bearer realm="`+ts.issuer+`", error="invalid_token", error_description="the access token has been revoked"`, user.header.Get("WWW-Authenticate"))
			resp = ts.refresh(tok.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, tmRefresh("Token has been revoked"), resp.String())
		})
	}
}

func TestTokenCodeExpiry(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	fresh, stale := ts.code(nil), ts.code(nil)
	ts.clk.Advance(10*time.Minute - time.Second)
	ts.tokens(ts.redeem(fresh, nil), true)
	ts.clk.Advance(time.Second)
	resp := ts.redeem(stale, nil)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, tmRequest("Authorization code has expired"), resp.String())
}

// TestTokenRefreshRotation: league rotates the refresh token and revokes
// the access token issued with the one presented; a used refresh token is
// refused and revokes nothing.
func TestTokenRefreshRotation(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(*Config){nil, opaqueMode} {
		ts := newTestServer(t, mutate)
		first := ts.codeFlow(nil)

		second := ts.tokens(ts.refresh(first.RefreshToken), true)
		assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "a new refresh token every time")
		assert.NotEqual(t, first.AccessToken, second.AccessToken)
		assert.Equal(t, int64(3600), second.ExpiresIn)
		assert.Equal(t, http.StatusOK, ts.api(PathUser, "", second.AccessToken).status)
		// The new access token keeps the grant's scopes.
		assert.Equal(t, http.StatusOK, ts.api(PathClubsAdmin, "", second.AccessToken).status)
		// The previous access token is revoked.
		resp := ts.api(PathUser, "", first.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, resp.status)
		assert.JSONEq(t, errJSON("invalid_token", "the access token has been revoked"), resp.String())

		third := ts.tokens(ts.refresh(second.RefreshToken), true)

		// Presenting a used token is refused, as often as it is presented;
		// the newest token of the family lives on.
		for range 2 {
			resp = ts.refresh(first.RefreshToken)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, tmRefresh("Token has been revoked"), resp.String())
		}
		assert.Equal(t, http.StatusOK, ts.api(PathUser, "", third.AccessToken).status)
		assert.Equal(t, http.StatusUnauthorized, ts.api(PathUser, "", second.AccessToken).status)
		fourth := ts.tokens(ts.refresh(third.RefreshToken), true)
		assert.Equal(t, http.StatusOK, ts.api(PathUser, "", fourth.AccessToken).status)
	}
}

// TestTokenRefreshReuseRevokesGrant: reuse "revoke_grant" keeps the
// stricter behaviour: a used refresh token revokes the whole family.
func TestTokenRefreshReuseRevokesGrant(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, strictMode)
	first := ts.codeFlow(nil)
	second := ts.tokens(ts.refresh(first.RefreshToken), true)
	assert.Equal(t, http.StatusOK, ts.api(PathUser, "", first.AccessToken).status, "a refresh revokes nothing here")
	third := ts.tokens(ts.refresh(second.RefreshToken), true)

	resp := ts.refresh(first.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, tmRefresh("Token has been revoked"), resp.String())
	resp = ts.refresh(third.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, tmRefresh("Token has been revoked"), resp.String())
	for _, at := range []string{first.AccessToken, second.AccessToken, third.AccessToken} {
		assert.Equal(t, http.StatusUnauthorized, ts.api(PathUser, "", at).status)
	}
}

func TestTokenRefreshErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		form   func(rt string) url.Values
		status int
		body   string
	}{
		{"missing refresh_token", func(string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {webSecret}}
		}, 400, tmRequest("Check the `refresh_token` parameter")},
		{"unknown refresh_token", func(string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {webSecret}, "refresh_token": {"nope"}}
		}, 401, tmRefresh("Cannot decrypt the refresh token")},
		{"another client", func(rt string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {limitedID}, "client_secret": {limitedSecret}, "refresh_token": {rt}}
		}, 401, tmRefresh("Token is not linked to client")},
		{"wider scope", func(rt string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {webSecret}, "refresh_token": {rt}, "scope": {"clubs read_favorite"}}
		}, 400, tmScope("Check the `read_favorite` scope")},
		{"wrong secret", func(rt string) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {"x"}, "refresh_token": {rt}}
		}, 401, tmClientFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.codeFlow(url.Values{"scope": {"clubs"}})
			resp := ts.token(tc.form(tok.RefreshToken))
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			// Nothing changed: the refresh token still rotates.
			ts.tokens(ts.refresh(tok.RefreshToken), true)
		})
	}
}

func TestTokenRefreshNarrowsScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	narrow := ts.tokens(ts.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {webSecret}, "refresh_token": {tok.RefreshToken}, "scope": {"clubs"}}), true)
	assert.Equal(t, http.StatusOK, ts.api(PathClubsAdmin, "", narrow.AccessToken).status)
	assert.Equal(t, http.StatusForbidden, ts.api(PathFavorites, "", narrow.AccessToken).status)
	// The successor keeps the whole grant.
	wide := ts.tokens(ts.refresh(narrow.RefreshToken), true)
	assert.Equal(t, http.StatusOK, ts.api(PathFavorites, "", wide.AccessToken).status)
}

func TestTokenRefreshLifetime(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	ts.clk.Advance(30*24*time.Hour - time.Second)
	next := ts.tokens(ts.refresh(tok.RefreshToken), true)
	ts.clk.Advance(30 * 24 * time.Hour)
	resp := ts.refresh(next.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, tmRefresh("Token has expired"), resp.String())
}

// TestTokenCodeDisabledUser: league has no disabled users; a code whose
// user was disabled after signing in is refused as a revoked code, and is
// not spent.
func TestTokenCodeDisabledUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	code := ts.code(nil)
	ts.setDisabled(t, "alice", true)
	resp := ts.redeem(code, nil)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, tmRequest("Authorization code has been revoked"), resp.String())

	ts.setDisabled(t, "alice", false)
	ts.tokens(ts.redeem(code, nil), true)
}

// setDisabled disables or enables a user through the directory, as the
// fixtures API does.
func (ts *testServer) setDisabled(t *testing.T, username string, disabled bool) {
	t.Helper()
	u, ok := ts.p.dir.User(username)
	require.True(t, ok)
	u.Disabled = disabled
	require.Empty(t, ts.p.dir.PutUser(u))
}

func TestTokenRefreshDisabledUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	ts.setDisabled(t, "alice", true)
	resp := ts.refresh(tok.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, tmRefresh("Token has been revoked"), resp.String())
	// The user's access token dies with them, on every route.
	for _, path := range []string{PathUser, PathDisplayNames} {
		resp := ts.api(path, "accountId[]="+aliceID, tok.AccessToken)
		assert.Equal(t, http.StatusUnauthorized, resp.status)
		assert.JSONEq(t, errJSON("invalid_token", "the token's user no longer exists or is disabled"), resp.String())
	}
}

func TestTokenConfiguredLifetimes(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.AccessTokenTTL = fixturesDuration(5 * time.Minute)
		c.RefreshTokenTTL = fixturesDuration(time.Hour)
	})
	tok := ts.codeFlow(nil)
	assert.Equal(t, int64(300), tok.ExpiresIn)
	ts.clk.Advance(5*time.Minute - time.Second)
	assert.Equal(t, http.StatusOK, ts.api(PathUser, "", tok.AccessToken).status)
	ts.clk.Advance(time.Second)
	resp := ts.api(PathUser, "", tok.AccessToken)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, errJSON("invalid_token", "the access token expired"), resp.String())
	ts.clk.Advance(time.Hour)
	assert.Equal(t, http.StatusUnauthorized, ts.refresh(tok.RefreshToken).status)
}

func TestTokenClientCredentials(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	for _, scope := range []string{"", "clubs", "anything at \"all\""} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {svcID}, "client_secret": {svcSecret}}
		if scope != "" {
			form.Set("scope", scope)
		}
		tok := ts.tokens(ts.token(form), false)
		assert.Equal(t, int64(3600), tok.ExpiresIn)
		// Scopes have no effect: the token carries none.
		resp := ts.api(PathClubsAdmin, "", tok.AccessToken)
		assert.Equal(t, http.StatusForbidden, resp.status, "scope %q", scope)
	}
}

// TestTokenRefreshWithoutRotation: refresh_token_rotation=false is
// league's revokeRefreshTokens(false): the presented token keeps working,
// and each refresh still revokes the access token issued with it.
func TestTokenRefreshWithoutRotation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RefreshTokenRotation = false })
	first := ts.codeFlow(nil)
	second := ts.tokens(ts.refresh(first.RefreshToken), true)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "a new refresh token is still issued")
	// The old one keeps working, and so does the new one.
	third := ts.tokens(ts.refresh(first.RefreshToken), true)
	fourth := ts.tokens(ts.refresh(second.RefreshToken), true)
	for at, want := range map[string]int{first.AccessToken: 401, second.AccessToken: 401, third.AccessToken: 200, fourth.AccessToken: 200} {
		assert.Equal(t, want, ts.api(PathUser, "", at).status)
	}
	// Narrowing and the usual refusals apply as with rotation.
	narrow := ts.tokens(ts.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {webID}, "client_secret": {webSecret}, "refresh_token": {first.RefreshToken}, "scope": {"clubs"}}), true)
	assert.Equal(t, http.StatusForbidden, ts.api(PathFavorites, "", narrow.AccessToken).status)
	resp := ts.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {limitedID}, "client_secret": {limitedSecret}, "refresh_token": {first.RefreshToken}})
	assert.JSONEq(t, tmRefresh("Token is not linked to client"), resp.String())
	ts.clk.Advance(30 * 24 * time.Hour)
	assert.JSONEq(t, tmRefresh("Token has expired"), ts.refresh(first.RefreshToken).String())
}

func TestTokenClientOverrides(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.Clients[0].AccessTokenTTL = fixturesDuration(2 * time.Minute)
		c.Clients[0].DefaultUser = "" // the first user approves
	})
	tok := ts.codeFlow(nil)
	assert.Equal(t, int64(120), tok.ExpiresIn)
	assert.JSONEq(t, `{"accountId":"`+aliceID+`","displayName":"AliceTM"}`, ts.api(PathUser, "", tok.AccessToken).String())
}

// TestTokenPublicClient: a public client can only appear at runtime (the
// configuration refuses one); it still cannot use any grant.
func TestTokenPublicClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	require.Empty(t, ts.p.dir.PutClient(fixturesPublicClient("spa")))
	for _, gt := range []string{"authorization_code", "refresh_token", "client_credentials"} {
		resp := ts.token(url.Values{"grant_type": {gt}, "client_id": {"spa"}})
		assert.Equal(t, http.StatusUnauthorized, resp.status)
		assert.JSONEq(t, tmClientFailed, resp.String())
	}
}
