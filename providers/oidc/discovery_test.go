package oidc

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expectedDiscovery is the full metadata document of the test config, with
// ISSUER standing for the server's issuer.
const expectedDiscovery = `{
  "issuer": "ISSUER",
  "authorization_endpoint": "ISSUER/authorize",
  "token_endpoint": "ISSUER/token",
  "userinfo_endpoint": "ISSUER/userinfo",
  "jwks_uri": "ISSUER/jwks",
  "introspection_endpoint": "ISSUER/introspect",
  "revocation_endpoint": "ISSUER/revoke",
  "end_session_endpoint": "ISSUER/end_session",DEVICE
  "pushed_authorization_request_endpoint": "ISSUER/par",
  "require_pushed_authorization_requests": REQUIREPAR,
  "response_types_supported": ["code"],
  "response_modes_supported": ["query"],
  "grant_types_supported": GRANTS,
  "subject_types_supported": ["public"],
  "id_token_signing_alg_values_supported": ["RS256"],
  "userinfo_signing_alg_values_supported": ["none"],
  "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"],
  "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt"],
  "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"],
  "token_endpoint_auth_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"],
  "introspection_endpoint_auth_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"],
  "revocation_endpoint_auth_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"],
  "code_challenge_methods_supported": PKCE,
  "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access", "api:read", "api:write"],
  "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "sid",
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "email", "email_verified",
    "phone_number", "phone_number_verified", "address"],
  "prompt_values_supported": ["none", "login", "consent", "select_account"],
  "claims_parameter_supported": false,
  "request_parameter_supported": false,
  "request_uri_parameter_supported": false,
  "authorization_response_iss_parameter_supported": true,
  "backchannel_logout_supported": false,
  "frontchannel_logout_supported": false,
  "dpop_signing_alg_values_supported": DPOP
}`

func TestDiscovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		grants string
		pkce   string
		dpop   string
		device string
		par    string
	}{
		{
			name:   "defaults",
			grants: `["authorization_code", "refresh_token", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"]`,
			pkce:   `["S256", "plain"]`,
			dpop:   `["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"]`,
			device: `"device_authorization_endpoint": "ISSUER/device_authorization",`,
			par:    "false",
		},
		{
			name: "plain PKCE disabled and fewer grants",
			mutate: func(c *Config) {
				c.AllowPlainPKCE = false
				c.GrantTypes = []string{"authorization_code", "refresh_token"}
				c.DPoP.SigningAlgs = []string{"ES256", "EdDSA"}
			},
			grants: `["authorization_code", "refresh_token"]`,
			pkce:   `["S256"]`,
			dpop:   `["ES256", "EdDSA"]`,
			par:    "false",
		},
		{
			name:   "pushed authorization requests required",
			mutate: func(c *Config) { c.RequirePushedAuthorizationRequests = true },
			grants: `["authorization_code", "refresh_token", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer"]`,
			pkce:   `["S256", "plain"]`,
			dpop:   `["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"]`,
			device: `"device_authorization_endpoint": "ISSUER/device_authorization",`,
			par:    "true",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tc.mutate)
			want := strings.NewReplacer("ISSUER", ts.issuer, "DEVICE", strings.ReplaceAll(tc.device, "ISSUER", ts.issuer), "GRANTS", tc.grants, "PKCE", tc.pkce, "DPOP", tc.dpop, "REQUIREPAR", tc.par).Replace(expectedDiscovery)
			for _, path := range []string{PathDiscovery, PathASMetadata} {
				first := ts.get(path, nil)
				require.Equal(t, http.StatusOK, first.status, path)
				assert.JSONEq(t, want, first.String(), path)
				assert.Equal(t, "application/json;charset=UTF-8", first.header.Get("Content-Type"))
				assert.Equal(t, "public, max-age=300", first.header.Get("Cache-Control"))
				second := ts.get(path, nil)
				assert.Equal(t, first.body, second.body, "%s: served bytes differ between calls", path)
			}
		})
	}
}

func TestDiscoveryMethods(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"discovery HEAD", http.MethodHead, PathDiscovery, http.StatusOK},
		{"discovery POST", http.MethodPost, PathDiscovery, http.StatusMethodNotAllowed},
		{"AS metadata PUT", http.MethodPut, PathASMetadata, http.StatusMethodNotAllowed},
		{"JWKS HEAD", http.MethodHead, PathJWKS, http.StatusOK},
		{"JWKS DELETE", http.MethodDelete, PathJWKS, http.StatusMethodNotAllowed},
		{"unknown path", http.MethodGet, "/no-such-endpoint", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.url(tc.path), nil)
			require.NoError(t, err)
			resp := ts.do(req)
			if tc.status == http.StatusMethodNotAllowed {
				// A bare gorilla subrouter reports a method mismatch as a
				// 404; the server's miss handler makes it a 405 with Allow.
				// The dialect's part is leaving the method unrouted.
				assert.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, resp.status)
				return
			}
			assert.Equal(t, tc.status, resp.status)
			if tc.method == http.MethodHead {
				assert.Empty(t, resp.body)
			}
		})
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	resp := ts.get(PathJWKS, nil)
	require.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, "application/jwk-set+json", resp.header.Get("Content-Type"))
	assert.Equal(t, "public, max-age=300", resp.header.Get("Cache-Control"))

	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(resp.body, &doc))
	require.Len(t, doc.Keys, 1)
	key := doc.Keys[0]
	assert.Equal(t, "RSA", key["kty"])
	assert.Equal(t, "RS256", key["alg"])
	assert.Equal(t, "sig", key["use"])
	assert.Equal(t, demoRS256KID, key["kid"], "kid is the RFC 7638 thumbprint")
	assert.Equal(t, "AQAB", key["e"])
	assert.NotEmpty(t, key["n"])
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		assert.NotContains(t, key, private, "the JWKS must not publish private member %q", private)
	}

	again := ts.get(PathJWKS, nil)
	assert.Equal(t, resp.body, again.body)
}

// TestJWKSRotation: every configured key is published, the first one signs.
func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.Keys = append(c.Keys, c.Keys[0])
		c.Keys[0].Builtin = "demo-es256"
	})
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(ts.get(PathJWKS, nil).body, &doc))
	require.Len(t, doc.Keys, 2)
	assert.Equal(t, "ES256", doc.Keys[0]["alg"])
	assert.Equal(t, demoRS256KID, doc.Keys[1]["kid"])

	tok := ts.passwordTokens("alice", alicePassword, "openid")
	h, _ := decodeJWT(t, tok.IDToken)
	assert.Equal(t, "ES256", h["alg"])
	assert.Equal(t, doc.Keys[0]["kid"], h["kid"])
	ts.verifyJWT(tok.IDToken)
	assert.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status)
}
