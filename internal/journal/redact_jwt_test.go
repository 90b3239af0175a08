package journal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
)

// RFC 7523 assertions and RFC 8693 tokens are credentials; their type
// parameters are not, and stay readable so a tester sees what was sent.
func TestMiddlewareRedactsAssertionsAndExchangedTokens(t *testing.T) {
	form := "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange" +
		"&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer" +
		"&client_assertion=ca-secret&subject_token=st-secret&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt" +
		"&actor_token=act-secret&actor_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&assertion=as-secret"
	req := httptest.NewRequest(http.MethodPost, "/p/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e, _ := serve(t, req, func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"access_token": "new-at", "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"})
	})
	assert.Equal(t, map[string][]string{
		"grant_type":            {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {Fingerprint("ca-secret")},
		"subject_token":         {Fingerprint("st-secret")},
		"subject_token_type":    {"urn:ietf:params:oauth:token-type:jwt"},
		"actor_token":           {Fingerprint("act-secret")},
		"actor_token_type":      {"urn:ietf:params:oauth:token-type:access_token"},
		"assertion":             {Fingerprint("as-secret")},
	}, e.Form)
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	for _, secret := range []string{"ca-secret", "st-secret", "act-secret", "as-secret", "new-at"} {
		assert.NotContains(t, string(raw), secret)
	}
}

// The login and consent forms of /authorize and of the device flow carry
// the pending sign-in's request_id: while it is live (a wrong password
// shows the page again with the same one) whoever holds it can answer the
// page, Deny without any password, or Allow as themselves, which is why
// the journal fingerprints user codes. It is a credential too.
func TestMiddlewareRedactsPendingSignIns(t *testing.T) {
	tests := []struct {
		name, path, form string
		want             map[string][]string
	}{
		{"device decision", "/p/device/decision", "request_id=rid-secret-1&action=allow&username=alice&password=pw-secret",
			map[string][]string{"request_id": {Fingerprint("rid-secret-1")}, "action": {"allow"}, "username": {"alice"}, "password": {Fingerprint("pw-secret")}}},
		{"authorize decision", "/p/authorize/decision", "request_id=rid-secret-2&action=deny",
			map[string][]string{"request_id": {Fingerprint("rid-secret-2")}, "action": {"deny"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			e, _ := serve(t, req, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) })
			assert.Equal(t, http.StatusUnauthorized, e.Status)
			assert.Equal(t, tc.want, e.Form)
			raw, err := json.Marshal(e)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "rid-secret")
		})
	}
}
