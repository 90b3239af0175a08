package fastapi

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginSuccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.loginResp(aliceEmail, alicePassword)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	m := resp.json(t)
	assert.ElementsMatch(t, []string{"access_token", "refresh_token", "token_type", "expires_in"}, keys(m))
	assert.Equal(t, "bearer", m["token_type"])
	assert.Equal(t, float64(3600), m["expires_in"])

	tok := ts.tokens(resp)
	header, claims := decodeJWT(t, tok.AccessToken)
	assert.Equal(t, "HS256", header["alg"])
	assert.Equal(t, "JWT", header["typ"])
	assert.Equal(t, map[string]any{
		"sub": aliceID, "aud": []any{"fastapi-users:auth"}, "exp": float64(t0.Unix() + 3600),
	}, claims, "exactly fastapi-users' claims")

	header, claims = decodeJWT(t, tok.RefreshToken)
	assert.Equal(t, "HS256", header["alg"])
	assert.Equal(t, aliceID, claims["sub"])
	assert.Equal(t, []any{"fastapi-users:refresh"}, claims["aud"])
	assert.Equal(t, float64(t0.Unix()+7*24*3600), claims["exp"])
	assert.Regexp(t, `^[0-9a-f]{32}$`, claims["jti"])
	assert.Len(t, claims, 4)

	me := ts.me(tok.AccessToken)
	require.Equal(t, http.StatusOK, me.status, me.body)
	assert.JSONEq(t, `{"id":"64b7f3a2c9e1d4f5a6b7c8d9","email":"alice@example.com","is_active":true,"is_superuser":true,"is_verified":true}`, me.body)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestLoginForms covers what FastAPI's OAuth2PasswordRequestForm accepts
// and refuses, with exact bodies.
func TestLoginForms(t *testing.T) {
	t.Parallel()
	missingUsername := `{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}`
	missingPassword := `{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}`
	badGrant := func(v string) string {
		return `{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^password$'","input":` +
			mustJSON(v) + `,"ctx":{"pattern":"^password$"}}`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantBody    string // empty: a token answer
	}{
		{name: "documented form", contentType: formType,
			body: "grant_type=password&username=alice%40example.com&password=alice-password-Qw1&scope=&client_id=&client_secret=", wantStatus: 200},
		{name: "grant_type may be left out", contentType: formType,
			body: "username=alice@example.com&password=alice-password-Qw1", wantStatus: 200},
		{name: "empty grant_type counts as absent", contentType: formType,
			body: "grant_type=&username=alice@example.com&password=alice-password-Qw1", wantStatus: 200},
		{name: "charset parameter", contentType: formType + "; charset=UTF-8",
			body: "username=alice@example.com&password=alice-password-Qw1", wantStatus: 200},
		{name: "scope, client_id and client_secret are ignored", contentType: formType,
			body: "username=alice@example.com&password=alice-password-Qw1&scope=a+b&client_id=somebody-else&client_secret=x", wantStatus: 200},
		{name: "the last of duplicated fields wins, as in Starlette", contentType: formType,
			body: "username=bob@example.com&username=alice@example.com&password=alice-password-Qw1", wantStatus: 200},
		{name: "semicolon separates when no ampersand follows", contentType: formType,
			body: "username=alice@example.com;password=alice-password-Qw1", wantStatus: 200},
		{name: "wrong password", contentType: formType,
			body: "username=alice@example.com&password=nope", wantStatus: 400, wantBody: bodyBadCredentials},
		{name: "password of another user", contentType: formType,
			body: "username=alice@example.com&password=bob-password-Er2", wantStatus: 400, wantBody: bodyBadCredentials},
		{name: "unknown user", contentType: formType,
			body: "username=mallory@example.com&password=alice-password-Qw1", wantStatus: 400, wantBody: bodyBadCredentials},
		{name: "inactive user", contentType: formType,
			body: "username=carol@example.com&password=carol-password-Ty3", wantStatus: 400, wantBody: bodyBadCredentials},
		{name: "username is the email, not the id", contentType: formType,
			body: "username=" + aliceID + "&password=alice-password-Qw1", wantStatus: 400, wantBody: bodyBadCredentials},
		{name: "unverified user is fine by default", contentType: formType,
			body: "username=bob@example.com&password=bob-password-Er2", wantStatus: 200},
		{name: "missing username", contentType: formType,
			body: "password=alice-password-Qw1", wantStatus: 422, wantBody: `{"detail":[` + missingUsername + `]}`},
		{name: "missing password", contentType: formType,
			body: "username=alice@example.com", wantStatus: 422, wantBody: `{"detail":[` + missingPassword + `]}`},
		{name: "empty username and password count as missing", contentType: formType,
			body: "username=&password=", wantStatus: 422, wantBody: `{"detail":[` + missingUsername + `,` + missingPassword + `]}`},
		{name: "wrong grant_type", contentType: formType,
			body: "grant_type=refresh_token&username=alice@example.com&password=alice-password-Qw1", wantStatus: 422,
			wantBody: `{"detail":[` + badGrant("refresh_token") + `]}`},
		{name: "grant_type must match whole", contentType: formType,
			body: "grant_type=password%0A&username=alice@example.com&password=alice-password-Qw1", wantStatus: 422,
			wantBody: `{"detail":[` + badGrant("password\n") + `]}`},
		{name: "every problem at once, in field order", contentType: formType,
			body: "grant_type=foo", wantStatus: 422,
			wantBody: `{"detail":[` + badGrant("foo") + `,` + missingUsername + `,` + missingPassword + `]}`},
		{name: "JSON body", contentType: "application/json",
			body: `{"username":"alice@example.com","password":"alice-password-Qw1"}`, wantStatus: 422,
			wantBody: `{"detail":[` + missingUsername + `,` + missingPassword + `]}`},
		{name: "no content type", contentType: "",
			body: "username=alice@example.com&password=alice-password-Qw1", wantStatus: 422,
			wantBody: `{"detail":[` + missingUsername + `,` + missingPassword + `]}`},
		{name: "empty body", contentType: formType, body: "", wantStatus: 422,
			wantBody: `{"detail":[` + missingUsername + `,` + missingPassword + `]}`},
		{name: "malformed escapes are kept as written", contentType: formType,
			body: "username=%zz&password=%", wantStatus: 400, wantBody: bodyBadCredentials},
		{name: "oversized body", contentType: formType,
			body: "username=alice@example.com&password=" + strings.Repeat("x", testMaxBody), wantStatus: 413,
			wantBody: `{"detail":"Request body too large"}`},
		{name: "bad multipart", contentType: "multipart/form-data; boundary=xyz",
			body: "--xyz\r\nnot a part", wantStatus: 400, wantBody: `{"detail":"There was an error parsing the body"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			resp := ts.do(request(http.MethodPost, PathLogin, tc.contentType, tc.body, nil))
			require.Equal(t, tc.wantStatus, resp.status, resp.body)
			if tc.wantBody == "" {
				ts.tokens(resp)
				return
			}
			assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
			assert.JSONEq(t, tc.wantBody, resp.body)
			assert.Empty(t, resp.header.Get("WWW-Authenticate"))
		})
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestLoginMultipart(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("username", aliceEmail))
	require.NoError(t, mw.WriteField("password", alicePassword))
	fw, err := mw.CreateFormFile("password", "pw.txt") // a file is not a string field
	require.NoError(t, err)
	_, _ = fw.Write([]byte("ignored"))
	require.NoError(t, mw.Close())
	resp := ts.do(request(http.MethodPost, PathLogin, mw.FormDataContentType(), body.String(), nil))
	ts.tokens(resp)
}

func TestLoginRequiresVerification(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RequiresVerification = true })
	resp := ts.loginResp(bobEmail, bobPassword)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, `{"detail":"LOGIN_USER_NOT_VERIFIED"}`, resp.body)
	// Bad credentials are judged first, as fastapi-users does.
	resp = ts.loginResp(bobEmail, "wrong")
	assert.JSONEq(t, bodyBadCredentials, resp.body)
	ts.login(aliceEmail, alicePassword)
}

func TestLoginOptions(t *testing.T) {
	t.Parallel()
	t.Run("UniPoll code's answer", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, func(c *Config) { c.TokenType = "Bearer"; c.LoginClientID = true })
		tok := ts.login(aliceEmail, alicePassword)
		assert.Equal(t, "Bearer", tok.TokenType)
		assert.Equal(t, aliceID, tok.ClientID)
		refreshed := ts.tokens(ts.refreshResp(tok.RefreshToken))
		assert.Equal(t, "Bearer", refreshed.TokenType)
		assert.Equal(t, aliceID, refreshed.ClientID)
	})
	t.Run("opaque tokens", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, func(c *Config) { c.TokenFormat = FormatOpaque })
		tok := ts.login(aliceEmail, alicePassword)
		assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, tok.AccessToken)
		assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, tok.RefreshToken)
		assert.Equal(t, http.StatusOK, ts.me(tok.AccessToken).status)
		// The refresh token is not an access token.
		assert.Equal(t, http.StatusUnauthorized, ts.me(tok.RefreshToken).status)
		next := ts.tokens(ts.refreshResp(tok.RefreshToken))
		assert.Equal(t, http.StatusOK, ts.me(next.AccessToken).status)
		ts.clk.Advance(3600e9)
		assert.JSONEq(t, bodyUnauthorized, ts.me(next.AccessToken).body, "opaque tokens expire too")
	})
	t.Run("RS256 key", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, func(c *Config) { c.Keys[0].Builtin = "demo-rs256" })
		tok := ts.login(aliceEmail, alicePassword)
		header, _ := decodeJWT(t, tok.AccessToken)
		assert.Equal(t, "RS256", header["alg"])
		assert.Equal(t, http.StatusOK, ts.me(tok.AccessToken).status)
		ts.tokens(ts.refreshResp(tok.RefreshToken))
	})
	t.Run("custom lifetimes", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, func(c *Config) { c.AccessTokenTTL = 60e9; c.RefreshTokenTTL = 0 })
		tok := ts.login(aliceEmail, alicePassword)
		assert.Equal(t, int64(60), tok.ExpiresIn)
		_, claims := decodeJWT(t, tok.RefreshToken)
		assert.NotContains(t, claims, "exp", "a refresh token that never expires has no exp")
		ts.clk.Advance(1e9 * 3600 * 24 * 365)
		ts.tokens(ts.refreshResp(tok.RefreshToken))
	})
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodGet, PathLogin, "POST"},
		{http.MethodPut, PathRefresh, "POST"},
		{http.MethodGet, PathPostmanRefreshCode, "POST"},
		{http.MethodGet, PathLogout, "POST"},
		{http.MethodPost, PathMe, "GET"},
	} {
		resp := ts.do(request(tc.method, tc.path, "", "", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, resp.status, tc.path)
		assert.Equal(t, tc.allow, resp.header.Get("Allow"))
		assert.JSONEq(t, `{"detail":"Method Not Allowed"}`, resp.body)
	}
}

// TestRejectedLoginChangesNothing: a failed login leaves the user's
// existing tokens alone.
func TestRejectedLoginChangesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	for _, body := range []string{"username=alice@example.com&password=bad", "grant_type=x", ""} {
		ts.do(request(http.MethodPost, PathLogin, formType, body, nil))
	}
	assert.Equal(t, http.StatusOK, ts.me(tok.AccessToken).status)
	ts.tokens(ts.refreshResp(tok.RefreshToken))
}
