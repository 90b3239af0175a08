package authmocktest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/tokenview"
)

// The journal shows every dialect's JWTs decoded, judged by the instance
// that issued them on the server's clock: what the dashboard displays.
func TestJournalDecodesEachDialectsTokens(t *testing.T) {
	am := authmocktest.New(t)
	minted := tokens(am)
	for name, path := range protected {
		call(t, am, http.MethodGet, am.ProviderURL(name)+path, map[string]string{"Authorization": "Bearer " + minted[name].AccessToken}, "")
	}
	am.Advance(2 * time.Hour)
	call(t, am, http.MethodGet, am.ProviderURL("oidc")+"/userinfo", map[string]string{"Authorization": "Bearer " + minted["oidc"].AccessToken}, "")
	// the same token from another instance's point of view: not its key
	call(t, am, http.MethodGet, am.ProviderURL("fastapi")+"/users/me", map[string]string{"Authorization": "Bearer " + minted["oidc"].AccessToken}, "")
	parts := strings.Split(minted["oidc"].AccessToken, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	call(t, am, http.MethodGet, am.ProviderURL("oidc")+"/userinfo", map[string]string{"Authorization": "Bearer " + tampered}, "")

	verdict := func(e journal.Entry) (string, string) {
		require.Len(t, e.Tokens, 1, "%s %s", e.Provider, e.Path)
		tok := e.Tokens[0]
		assert.Equal(t, "request.header.Authorization", tok.Where)
		assert.NotEmpty(t, tok.Claims["exp"])
		return tok.Signature, tok.Problem
	}
	byProvider := map[string]journal.Entry{}
	entries := am.Journal(authmocktest.JournalFilter{})
	require.Len(t, entries, 7)
	for _, e := range entries[:4] {
		byProvider[e.Provider] = e
	}
	for _, name := range []string{"dotypos", "fastapi", "oidc"} {
		sig, problem := verdict(byProvider[name])
		assert.Equal(t, tokenview.Valid, sig, name)
		assert.Empty(t, problem, name)
	}
	assert.Empty(t, byProvider["trackmania"].Tokens, "trackmania's default access tokens are opaque")

	sig, problem := verdict(entries[4])
	assert.Equal(t, tokenview.Valid, sig, "the clock moved: still signed by oidc")
	assert.Equal(t, "token is expired", problem)
	sig, _ = verdict(entries[5])
	assert.Equal(t, tokenview.UnknownKey, sig, "fastapi (HS256) does not hold oidc's key; the demo RSA key is shared by the others")
	sig, problem = verdict(entries[6])
	assert.Equal(t, tokenview.Invalid, sig)
	assert.Equal(t, "the signature does not verify with this instance's key", problem)
}

// A token response's JWTs are decoded too, where the client received them.
func TestJournalDecodesTokenResponses(t *testing.T) {
	am := authmocktest.New(t)
	res := call(t, am, http.MethodPost, am.ProviderURL("oidc")+"/token",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"grant_type=client_credentials&client_id=demo-service&client_secret=demo-service-secret")
	require.Equal(t, http.StatusOK, res.status, res.body)
	entries := am.Journal(authmocktest.JournalFilter{Path: "/token"})
	require.Len(t, entries, 1)
	require.Len(t, entries[0].Tokens, 1)
	tok := entries[0].Tokens[0]
	assert.Equal(t, "response.json.access_token", tok.Where)
	assert.Equal(t, tokenview.Valid, tok.Signature)
	assert.Equal(t, "demo-service", tok.Claims["client_id"])
	assert.Equal(t, entries[0].Response.JSON.(map[string]any)["access_token"], tok.Fingerprint, "the fingerprint names the redacted value")
}
