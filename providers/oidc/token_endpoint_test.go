package oidc

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
		c.Clients[0].GrantTypes = nil
	})
	ccForm := "grant_type=client_credentials"
	tests := []struct {
		name        string
		method      string
		path        string // default PathToken
		contentType string
		body        string
		auth        string // Authorization header
		status      int
		wantBody    string
		wantHeader  map[string]string
	}{
		{
			name: "wrong client secret with Basic", body: ccForm, auth: basicAuth(serviceID, "wrong"),
			status: 401, wantBody: errJSON("invalid_client", "client authentication failed"),
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="ISSUER"`},
		},
		{
			name: "unknown client with Basic", body: ccForm, auth: basicAuth("nobody", "x"),
			status: 401, wantBody: errJSON("invalid_client", "client authentication failed"),
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="ISSUER"`},
		},
		{
			name: "lower-case basic scheme", body: ccForm, auth: strings.Replace(basicAuth(serviceID, "wrong"), "Basic", "basic", 1),
			status: 401, wantBody: errJSON("invalid_client", "client authentication failed"),
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="ISSUER"`},
		},
		{
			name: "wrong client secret in the body", body: ccForm + "&client_id=service&client_secret=wrong",
			status: 401, wantBody: errJSON("invalid_client", "client authentication failed"),
			wantHeader: map[string]string{"WWW-Authenticate": ""},
		},
		{
			name: "malformed Basic credentials", body: ccForm, auth: "Basic !!!not-base64!!!",
			status: 401, wantBody: errJSON("invalid_client", "malformed HTTP Basic credentials"),
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="ISSUER"`},
		},
		{
			name: "Basic without a colon", body: ccForm, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("service")),
			status: 401, wantBody: errJSON("invalid_client", "malformed HTTP Basic credentials"),
			wantHeader: map[string]string{"WWW-Authenticate": `Basic realm="ISSUER"`},
		},
		{
			name: "no client authentication", body: ccForm,
			status: 401, wantBody: errJSON("invalid_client", "client authentication is required (HTTP Basic, or client_id and client_secret in the body)"),
			wantHeader: map[string]string{"WWW-Authenticate": ""},
		},
		{
			name: "Basic and a body secret", body: ccForm + "&client_secret=" + url.QueryEscape(serviceSecret), auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", "the client authenticated with more than one method (HTTP Basic and client_secret)"),
		},
		{
			name: "Basic and another body client_id", body: ccForm + "&client_id=web", auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", "client_id does not match the HTTP Basic credentials"),
		},
		{
			name: "unknown grant_type", body: "grant_type=urn:ietf:params:oauth:grant-type:device_code", auth: basicAuth(webID, webSecret),
			status: 400, wantBody: errJSON("unsupported_grant_type", `grant_type "urn:ietf:params:oauth:grant-type:device_code" is not supported`),
		},
		{
			name: "grant_type disabled on the instance", body: "grant_type=password&username=alice&password=x", auth: basicAuth(webID, webSecret),
			status: 400, wantBody: errJSON("unsupported_grant_type", `grant_type "password" is not supported`),
		},
		{
			name: "missing grant_type", body: "code=abc", auth: basicAuth(webID, webSecret),
			status: 400, wantBody: errJSON("invalid_request", "grant_type is required"),
		},
		{
			name: "grant_type in the query only", path: PathToken + "?grant_type=client_credentials", body: "", auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", "grant_type is required"),
		},
		{
			name: "client without the grant", body: "grant_type=authorization_code&code=x", auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("unauthorized_client", `the client is not allowed to use grant_type "authorization_code"`),
		},
		{
			name: "public client with client_credentials", body: ccForm + "&client_id=spa",
			status: 400, wantBody: errJSON("unauthorized_client", `a public client cannot use grant_type "client_credentials"`),
		},
		{
			name: "duplicate parameter", body: ccForm + "&scope=api:read&scope=api:write", auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", `parameter "scope" was sent more than once`),
		},
		{
			name: "malformed form", body: "grant_type=client_credentials&scope=%zz", auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", "the request body is not valid form encoding"),
		},
		{
			name: "JSON body", contentType: "application/json", body: `{"grant_type":"client_credentials"}`, auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", "the request body must be application/x-www-form-urlencoded"),
		},
		{
			name: "no content type", contentType: "-", body: ccForm, auth: basicAuth(serviceID, serviceSecret),
			status: 400, wantBody: errJSON("invalid_request", "the request body must be application/x-www-form-urlencoded"),
		},
		{
			name: "form content type with charset", contentType: "application/x-www-form-urlencoded; charset=UTF-8", body: ccForm, auth: basicAuth(serviceID, serviceSecret),
			status: 200,
		},
		{
			name: "body over 1 MiB", body: ccForm + "&pad=" + strings.Repeat("a", testMaxBody), auth: basicAuth(serviceID, serviceSecret),
			status: 413, wantBody: errJSON("invalid_request", "the request body is too large"),
		},
		{
			name: "GET", method: http.MethodGet, auth: basicAuth(serviceID, serviceSecret),
			status: 405, wantBody: errJSON("invalid_request", "the token endpoint accepts POST only"),
			wantHeader: map[string]string{"Allow": "POST"},
		},
		{
			name: "PUT", method: http.MethodPut, body: ccForm, auth: basicAuth(serviceID, serviceSecret),
			status: 405, wantBody: errJSON("invalid_request", "the token endpoint accepts POST only"),
			wantHeader: map[string]string{"Allow": "POST"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, path, ct := tc.method, tc.path, tc.contentType
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = PathToken
			}
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req, err := http.NewRequest(method, ts.url(path), strings.NewReader(tc.body))
			require.NoError(t, err)
			if ct != "-" {
				req.Header.Set("Content-Type", ct)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp := ts.do(req)
			assert.Equal(t, tc.status, resp.status, "%s", resp.body)
			assert.Equal(t, "application/json;charset=UTF-8", resp.header.Get("Content-Type"))
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
			if tc.wantBody != "" {
				assert.JSONEq(t, tc.wantBody, resp.String())
			}
			for k, v := range tc.wantHeader {
				assert.Equal(t, strings.ReplaceAll(v, "ISSUER", ts.issuer), resp.header.Get(k), k)
			}
		})
	}
}
