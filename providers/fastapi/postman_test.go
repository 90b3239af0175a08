package fastapi

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPostmanRefresh(t *testing.T) {
	t.Parallel()
	for _, path := range []string{PathPostmanRefresh, PathPostmanRefreshCode} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.login(aliceEmail, alicePassword)
			form := url.Values{"refresh_token": {tok.RefreshToken}, "grant_type": {"refresh_token"}}
			next := ts.tokens(ts.postForm(path, form, map[string]string{"Authorization": basic(aliceID + ":")}))
			assert.Equal(t, "bearer", next.TokenType)
			assert.Equal(t, http.StatusOK, ts.me(next.AccessToken).status)
			// The rotated-away token is reuse.
			resp := ts.postForm(path, form, map[string]string{"Authorization": basic(aliceID + ":")})
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, bodyRefreshExpired, resp.body)
			assert.JSONEq(t, bodyUnauthorized, ts.me(next.AccessToken).body)
		})
	}
}

func TestPostmanRefreshErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.login(aliceEmail, alicePassword)
	bobID := deriveID(bobEmail)
	good := "grant_type=refresh_token&refresh_token=" + url.QueryEscape(tok.RefreshToken)
	missingAuth := `{"type":"missing","loc":["header","authorization"],"msg":"Field required","input":null}`
	missingGrant := `{"type":"missing","loc":["body","grant_type"],"msg":"Field required","input":null}`
	missingRefresh := `{"type":"missing","loc":["body","refresh_token"],"msg":"Field required","input":null}`
	tests := []struct {
		name        string
		authz       string
		contentType string
		body        string
		wantStatus  int
		wantBody    string
	}{
		{"everything missing", "", formType, "", 422, `{"detail":[` + missingAuth + `,` + missingGrant + `,` + missingRefresh + `]}`},
		{"JSON body", basic(aliceID + ":"), "application/json", `{"grant_type":"refresh_token"}`, 422, `{"detail":[` + missingGrant + `,` + missingRefresh + `]}`},
		{"wrong grant_type", basic(aliceID + ":"), formType, "grant_type=password&refresh_token=x", 422,
			`{"detail":[{"type":"string_pattern_mismatch","loc":["body","grant_type"],"msg":"String should match pattern '^refresh_token$'","input":"password","ctx":{"pattern":"^refresh_token$"}}]}`},
		{"not Basic", "Bearer " + tok.AccessToken, formType, good, 400, `{"detail":"Invalid Authorization header"}`},
		{"not base64", "Basic !!!", formType, good, 400, `{"detail":"Invalid Authorization header"}`},
		{"another account's id", basic(bobID + ":"), formType, good, 401, `{"detail":"Invalid Client ID"}`},
		{"the email is not the id", basic(aliceEmail + ":"), formType, good, 401, `{"detail":"Invalid Client ID"}`},
		{"unknown refresh token", basic(aliceID + ":"), formType, "grant_type=refresh_token&refresh_token=nope", 401, bodyInvalidAccess},
		{"access token as refresh token", basic(aliceID + ":"), formType, "grant_type=refresh_token&refresh_token=" + tok.AccessToken, 401, bodyInvalidAccess},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{}
			if tc.authz != "" {
				headers["Authorization"] = tc.authz
			}
			resp := ts.do(request(http.MethodPost, PathPostmanRefresh, tc.contentType, tc.body, headers))
			assert.Equal(t, tc.wantStatus, resp.status)
			assert.JSONEq(t, tc.wantBody, resp.body)
		})
	}
	// Nothing above used the token up; a secret after the colon is ignored.
	ts.tokens(ts.do(request(http.MethodPost, PathPostmanRefresh, formType, good, map[string]string{"Authorization": basic(aliceID + ":unused")})))
}
