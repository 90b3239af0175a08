package authmocktest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

// TestPushedRequestFaultAndJournal: a fault can target /par like any
// route, and the journal keeps a pushed request's form with its secret
// redacted and its authorization parameters readable.
func TestPushedRequestFaultAndJournal(t *testing.T) {
	am := authmocktest.New(t)
	am.QueueFault(authmocktest.Fault{Provider: "oidc", Path: "/par", Preset: "server_error"})
	push := func() *http.Response {
		form := url.Values{
			"response_type": {"code"}, "client_id": {"demo-web"}, "client_secret": {"demo-web-secret"},
			"redirect_uri": {"http://localhost:3000/callback"}, "scope": {"openid"}, "state": {"xyz"},
		}
		res, err := am.Client().Post(am.ProviderURL("oidc")+"/par", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		t.Cleanup(func() { _ = res.Body.Close() })
		return res
	}
	assert.Equal(t, http.StatusInternalServerError, push().StatusCode, "the fault answers")
	assert.Equal(t, http.StatusCreated, push().StatusCode, "then the endpoint")

	exchanges := am.Journal(authmocktest.JournalFilter{Provider: "oidc", Path: "/par"})
	require.Len(t, exchanges, 2)
	assert.Equal(t, "fault rule 1 (server_error)", exchanges[0].Fault)
	for _, ex := range exchanges {
		secret := strings.Join(ex.Form["client_secret"], "")
		assert.True(t, strings.HasPrefix(secret, "[redacted sha256:"), "client_secret %q", secret)
		assert.Equal(t, []string{"xyz"}, ex.Form["state"])
		assert.Equal(t, []string{"http://localhost:3000/callback"}, ex.Form["redirect_uri"])
	}
}
