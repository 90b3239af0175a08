package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/jwtutil"
)

const aliceFullUserinfo = `{
  "sub": "a1b2c3-alice", "name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell",
  "preferred_username": "alice", "email": "alice@example.com", "email_verified": true,
  "groups": ["admins", "staff"]
}`

func (ts *testServer) userinfoRequest(method, query, header, contentType, body string) response {
	ts.tb.Helper()
	u := ts.url(PathUserinfo)
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(ts.tb, err)
	if header != "" {
		req.Header.Set("Authorization", header)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return ts.do(req)
}

func TestUserinfoTransports(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	at := ts.codeFlow(nil).AccessToken
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		method      string
		query       string
		header      string
		contentType string
		body        string
	}{
		{"GET with a bearer header", http.MethodGet, "", "Bearer " + at, "", ""},
		{"GET with a lower-case scheme", http.MethodGet, "", "bearer " + at, "", ""},
		{"POST with a bearer header", http.MethodPost, "", "Bearer " + at, "", ""},
		{"POST with a bearer header and an unrelated form", http.MethodPost, "", "Bearer " + at, form, "foo=bar"},
		{"POST with the access_token form parameter", http.MethodPost, "", "", form, "access_token=" + url.QueryEscape(at)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.userinfoRequest(tc.method, tc.query, tc.header, tc.contentType, tc.body)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			assert.JSONEq(t, aliceFullUserinfo, resp.String())
			assert.Equal(t, "application/json;charset=UTF-8", resp.header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
		})
	}
}

// bearerChallenge is the WWW-Authenticate value RFC 6750 §3 asks for.
func bearerChallenge(realm, code, desc string) string {
	return `Bearer realm="` + realm + `", error="` + code + `", error_description="` + desc + `"`
}

func TestUserinfoErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)

	// A token with our kid but signed by another key, and one of another
	// issuer signed by our own key.
	forger, err := jwtutil.GenerateKey(jwtutil.RS256)
	require.NoError(t, err)
	forgerSet, err := jwtutil.NewKeySet(forger.WithKID(demoRS256KID))
	require.NoError(t, err)
	_, claims := decodeJWT(t, tok.AccessToken)
	forged, err := forgerSet.SignWithType("at+jwt", jwt.MapClaims(claims))
	require.NoError(t, err)
	claims["iss"] = "https://other.example.com"
	otherIssuer, err := ts.p.keys.SignWithType("at+jwt", jwt.MapClaims(claims))
	require.NoError(t, err)
	noneToken := "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + strings.Split(tok.AccessToken, ".")[1] + "."

	cc := ts.tokens(ts.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret))
	const form = "application/x-www-form-urlencoded"

	tests := []struct {
		name        string
		method      string
		query       string
		header      string
		contentType string
		body        string
		status      int
		challenge   string // with ISSUER for the realm
		wantBody    string
	}{
		{
			name: "no token", method: http.MethodGet,
			status: 401, challenge: `Bearer realm="ISSUER"`,
			wantBody: errJSON("invalid_token", "a bearer token is required"),
		},
		{
			name: "Basic credentials instead of a token", method: http.MethodGet, header: basicAuth(webID, webSecret),
			status: 401, challenge: `Bearer realm="ISSUER"`,
			wantBody: errJSON("invalid_token", "a bearer token is required"),
		},
		{
			name: "empty bearer", method: http.MethodGet, header: "Bearer ",
			status: 401, challenge: `Bearer realm="ISSUER"`,
			wantBody: errJSON("invalid_token", "a bearer token is required"),
		},
		{
			name: "token in the query is not accepted", method: http.MethodGet, query: "access_token=" + url.QueryEscape(tok.AccessToken),
			status: 401, challenge: `Bearer realm="ISSUER"`,
			wantBody: errJSON("invalid_token", "a bearer token is required"),
		},
		{
			name: "header and form parameter at once", method: http.MethodPost, header: "Bearer " + tok.AccessToken,
			contentType: form, body: "access_token=" + url.QueryEscape(tok.AccessToken),
			status: 400, challenge: bearerChallenge("ISSUER", "invalid_request", "the access token was sent in more than one way"),
			wantBody: errJSON("invalid_request", "the access token was sent in more than one way"),
		},
		{
			name: "garbage token", method: http.MethodGet, header: "Bearer not-a-jwt",
			status: 401, challenge: bearerChallenge("ISSUER", "invalid_token", "the access token is invalid"),
			wantBody: errJSON("invalid_token", "the access token is invalid"),
		},
		{
			name: "forged signature", method: http.MethodGet, header: "Bearer " + forged,
			status: 401, challenge: bearerChallenge("ISSUER", "invalid_token", "the access token is invalid"),
			wantBody: errJSON("invalid_token", "the access token is invalid"),
		},
		{
			name: "alg none", method: http.MethodGet, header: "Bearer " + noneToken,
			status: 401, challenge: bearerChallenge("ISSUER", "invalid_token", "the access token is invalid"),
			wantBody: errJSON("invalid_token", "the access token is invalid"),
		},
		{
			name: "another issuer", method: http.MethodGet, header: "Bearer " + otherIssuer,
			status: 401, challenge: bearerChallenge("ISSUER", "invalid_token", "the access token is invalid"),
			wantBody: errJSON("invalid_token", "the access token is invalid"),
		},
		{
			name: "ID token as bearer", method: http.MethodGet, header: "Bearer " + tok.IDToken,
			status: 401, challenge: bearerChallenge("ISSUER", "invalid_token", "the token is not an access token"),
			wantBody: errJSON("invalid_token", "the token is not an access token"),
		},
		{
			name: "refresh token as bearer", method: http.MethodGet, header: "Bearer " + tok.RefreshToken,
			status: 401, challenge: bearerChallenge("ISSUER", "invalid_token", "the access token is invalid"),
			wantBody: errJSON("invalid_token", "the access token is invalid"),
		},
		{
			name: "token without the openid scope", method: http.MethodGet, header: "Bearer " + cc.AccessToken,
			status: 403, challenge: bearerChallenge("ISSUER", "insufficient_scope", "the access token lacks the openid scope"),
			wantBody: errJSON("insufficient_scope", "the access token lacks the openid scope"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.userinfoRequest(tc.method, tc.query, tc.header, tc.contentType, tc.body)
			assert.Equal(t, tc.status, resp.status)
			assert.Equal(t, strings.ReplaceAll(tc.challenge, "ISSUER", ts.issuer), resp.header.Get("WWW-Authenticate"))
			assert.JSONEq(t, tc.wantBody, resp.String())
		})
	}
}

func TestUserinfoExpiredAndRevoked(t *testing.T) {
	t.Parallel()
	invalid := func(desc string) (string, string) {
		return errJSON("invalid_token", desc), bearerChallenge("ISSUER", "invalid_token", desc)
	}
	tests := []struct {
		name   string
		act    func(ts *testServer, tok tokenSet)
		desc   string
		before bool // the token works until act
	}{
		{
			name: "expired",
			act:  func(ts *testServer, _ tokenSet) { ts.clk.Advance(time.Hour + time.Second) },
			desc: "the access token expired",
		},
		{
			name: "revoked",
			act: func(ts *testServer, tok tokenSet) {
				require.Equal(ts.tb, http.StatusOK, ts.postForm(PathRevoke, url.Values{"token": {tok.AccessToken}}, webID, webSecret).status)
			},
			desc: "the access token has been revoked",
		},
		{
			name: "grant revoked through its refresh token",
			act: func(ts *testServer, tok tokenSet) {
				require.Equal(ts.tb, http.StatusOK, ts.postForm(PathRevoke, url.Values{"token": {tok.RefreshToken}}, webID, webSecret).status)
			},
			desc: "the access token has been revoked",
		},
		{
			name: "user deleted",
			act:  func(ts *testServer, _ tokenSet) { require.True(ts.tb, ts.p.dir.DeleteUser("alice")) },
			desc: "the token's user no longer exists",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.codeFlow(nil)
			ts.clk.Advance(time.Hour - time.Second)
			require.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status, "valid until its last second")
			tc.act(ts, tok)
			resp := ts.userinfo(tok.AccessToken)
			body, challenge := invalid(tc.desc)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.Equal(t, strings.ReplaceAll(challenge, "ISSUER", ts.issuer), resp.header.Get("WWW-Authenticate"))
			assert.JSONEq(t, body, resp.String())
		})
	}
}

func TestUserinfoClaimsByScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name     string
		username string
		password string
		scope    string
		want     string
	}{
		{"openid only", "bob", bobPassword, "openid", `{"sub":"bob"}`},
		{"openid only keeps custom claims", "alice", alicePassword, "openid", `{"sub":"a1b2c3-alice","groups":["admins","staff"]}`},
		{
			"profile", "alice", alicePassword, "openid profile",
			`{"sub":"a1b2c3-alice","name":"Alice Liddell","given_name":"Alice","family_name":"Liddell","preferred_username":"alice","groups":["admins","staff"]}`,
		},
		{"profile defaults preferred_username", "bob", bobPassword, "openid profile", `{"sub":"bob","name":"Bob Builder","preferred_username":"bob"}`},
		{"email", "alice", alicePassword, "openid email", `{"sub":"a1b2c3-alice","email":"alice@example.com","email_verified":true,"groups":["admins","staff"]}`},
		{"email not verified", "bob", bobPassword, "openid email", `{"sub":"bob","email":"bob@example.com","email_verified":false}`},
		{"phone", "alice", alicePassword, "openid phone", `{"sub":"a1b2c3-alice","phone_number":"+1 555 0100","groups":["admins","staff"]}`},
		{"address the user lacks", "bob", bobPassword, "openid address", `{"sub":"bob"}`},
		{"non-OpenID scopes release nothing", "bob", bobPassword, "openid offline_access api:read", `{"sub":"bob"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := ts.passwordTokens(tc.username, tc.password, tc.scope)
			resp := ts.userinfo(tok.AccessToken)
			require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
			assert.JSONEq(t, tc.want, resp.String())
		})
	}
}
