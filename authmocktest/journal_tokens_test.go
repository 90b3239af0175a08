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
// that issued them, on the server's clock when listed: what the dashboard
// displays.
func TestJournalDecodesEachDialectsTokens(t *testing.T) {
	am := authmocktest.New(t)
	minted := tokens(am)
	for name, path := range protected {
		call(t, am, http.MethodGet, am.ProviderURL(name)+path, map[string]string{"Authorization": "Bearer " + minted[name].AccessToken}, "")
	}
	verdict := func(e journal.Entry) (string, string) {
		require.Len(t, e.Tokens, 1, "%s %s", e.Provider, e.Path)
		tok := e.Tokens[0]
		assert.Equal(t, "request.header.Authorization", tok.Where)
		assert.NotEmpty(t, tok.Claims["exp"])
		return tok.Signature, tok.Problem
	}
	entries := am.Journal(authmocktest.JournalFilter{})
	require.Len(t, entries, 4)
	for _, e := range entries {
		// trackmania's too: its default access tokens are league's JWTs.
		sig, problem := verdict(e)
		assert.Equal(t, tokenview.Valid, sig, e.Provider)
		assert.Empty(t, problem, e.Provider)
	}

	am.Advance(2 * time.Hour)
	// oidc's token at fastapi: HS256 there, so no key of fastapi has its
	// kid (the demo RSA key is shared by the other instances)
	call(t, am, http.MethodGet, am.ProviderURL("fastapi")+"/users/me", map[string]string{"Authorization": "Bearer " + minted["oidc"].AccessToken}, "")
	parts := strings.Split(minted["oidc"].AccessToken, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	call(t, am, http.MethodGet, am.ProviderURL("oidc")+"/userinfo", map[string]string{"Authorization": "Bearer " + tampered}, "")

	entries = am.Journal(authmocktest.JournalFilter{})
	require.Len(t, entries, 6)
	for _, e := range entries[:4] {
		sig, problem := verdict(e)
		assert.Equal(t, tokenview.Valid, sig, "%s: still signed by its instance", e.Provider)
		assert.Equal(t, "token is expired", problem, "%s: judged on the clock of the listing", e.Provider)
	}
	sig, _ := verdict(entries[4])
	assert.Equal(t, tokenview.UnknownKey, sig)
	sig, problem := verdict(entries[5])
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
