package dotypos

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNoSecretsInErrors: no error response echoes a client secret, a
// refresh token or an internal message.
func TestNoSecretsInErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	refresh, access := ts.accessToken(`{"_cloudId":123456789}`)
	q := legacyQuery("s")
	q.Set("redirect_uri", "https://evil.example.com")
	f := v2Form(t0.Unix()-1000, "s")
	responses := []response{
		ts.connect(q),
		ts.connectV2(PathConnectV2, f),
		ts.request(http.MethodPost, PathSignin, strings.NewReader(`x`), "Authorization", "User "+refresh, "Content-Type", "application/json"),
		ts.request(http.MethodPost, PathSignin, strings.NewReader(`{}`), "Authorization", "User "+strings.Repeat("0", 32), "Content-Type", "application/json"),
		ts.get(PathClouds+"/987654321", access),
		ts.get(PathClouds, access+"x"),
		ts.decide(url.Values{"consent_id": {"x"}}),
	}
	for i, res := range responses {
		body := string(res.body)
		for _, secret := range []string{posSecret, refresh, access, f.Get("signature"), "jwtutil", "store:", "token is malformed"} {
			assert.NotContains(t, body, secret, "response %d", i)
		}
	}
}
