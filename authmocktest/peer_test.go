package authmocktest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

// An oidc instance trusts another instance of the same server by name
// (trusted_issuers: {"instance": ...}): the server hands it the peer's
// issuer and keys, so a token the peer minted can be exchanged (RFC 8693).
func TestTrustedInstanceTokenExchange(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithConfig(`{"providers": [
	  {"name": "partner-idp", "dialect": "oidc", "mount": "/partner-idp",
	   "config": {"keys": [{"builtin": "demo-es256"}], "clients": [{"id": "partner-app", "secret": "partner-app-secret", "token_exchange": {}}]}},
	  {"name": "oidc", "dialect": "oidc", "mount": "/oidc", "config": {
	   "trusted_issuers": [{"instance": "partner-idp"}],
	   "clients": [{"id": "gateway", "secret": "gateway-secret", "token_exchange": {"audiences": ["https://api.example.com"]}}]}}
	]}`))
	peer := am.Mint("partner-idp", authmocktest.MintRequest{ClientID: "partner-app", Scopes: []string{"api:read"}})
	form := url.Values{
		"grant_type":    {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token": {peer.AccessToken}, "subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"audience":  {"https://api.example.com"},
		"client_id": {"gateway"}, "client_secret": {"gateway-secret"},
	}
	res := call(t, am, http.MethodPost, am.ProviderURL("oidc")+"/token",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	require.Equal(t, http.StatusOK, res.status, res.body)
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.body), &body))
	assert.Equal(t, "urn:ietf:params:oauth:token-type:access_token", body["issued_token_type"])
	assert.Equal(t, "api:read", body["scope"])

	// Trust is one way: partner-idp trusts no one.
	own := am.Mint("oidc", authmocktest.MintRequest{ClientID: "gateway"})
	res = call(t, am, http.MethodPost, am.ProviderURL("partner-idp")+"/token",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {own.AccessToken},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
			"client_id":          {"partner-app"}, "client_secret": {"partner-app-secret"}}.Encode())
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"the subject_token's issuer is not trusted"}`, res.body)
}
