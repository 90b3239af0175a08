package authmocktest_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authmock/authmock/authmocktest"
)

var fixed = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func serviceConfig(am *authmocktest.Server) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: "demo-service", ClientSecret: "demo-service-secret",
		TokenURL: am.ProviderURL("oidc") + "/token", Scopes: []string{"api:read"},
		// Auto-detection would retry a failed Basic attempt with the
		// secret in the body, absorbing a one-shot fault.
		AuthStyle: oauth2.AuthStyleInHeader,
	}
}

// introspect asks the oidc instance whether a token is active.
func introspect(t *testing.T, am *authmocktest.Server, token string) bool {
	t.Helper()
	form := url.Values{"token": {token}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, am.ProviderURL("oidc")+"/introspect", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-service", "demo-service-secret")
	res, err := am.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var body struct {
		Active bool `json:"active"`
	}
	require.NoError(t, jsonDecode(res, &body))
	return body.Active
}

func TestClockDrivesExpiry(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithFrozenAt(fixed))
	assert.Equal(t, fixed, am.Now())
	tok, err := serviceConfig(am).Token(t.Context())
	require.NoError(t, err)
	assert.True(t, introspect(t, am, tok.AccessToken))

	am.Advance(2 * time.Hour)
	assert.False(t, introspect(t, am, tok.AccessToken), "the token expired on the server's clock")
	am.SetClock(fixed)
	assert.True(t, introspect(t, am, tok.AccessToken))
}

func TestQueuedFaultReachesTheClient(t *testing.T) {
	am := authmocktest.New(t)
	rule := am.QueueFault(authmocktest.Fault{Provider: "oidc", Path: "/token", Preset: "invalid_client"})
	assert.Equal(t, "1", rule.ID)

	_, err := serviceConfig(am).Token(t.Context())
	var re *oauth2.RetrieveError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
	assert.Equal(t, "invalid_client", re.ErrorCode)
	assert.Empty(t, am.Faults(), "the rule fired once and is gone")

	_, err = serviceConfig(am).Token(t.Context())
	require.NoError(t, err)

	exchanges := am.Journal(authmocktest.JournalFilter{Provider: "oidc", Path: "/token"})
	require.Len(t, exchanges, 2)
	assert.Equal(t, "fault rule 1 (invalid_client)", exchanges[0].Fault)
	assert.Equal(t, 401, exchanges[0].Status)
	assert.Equal(t, 200, exchanges[1].Status)
	assert.Equal(t, []string{"client_credentials"}, exchanges[1].Form["grant_type"])
	assert.NotContains(t, strings.Join(exchanges[1].Headers["Authorization"], ""), "demo-service-secret")
}

func TestResetRestoresEverything(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithFrozenAt(fixed))
	tok, err := serviceConfig(am).Token(t.Context())
	require.NoError(t, err)
	am.Advance(time.Minute)
	am.QueueFault(authmocktest.Fault{Provider: "oidc", Status: 500, Count: -1})

	am.Reset()
	assert.Equal(t, fixed, am.Now())
	assert.Empty(t, am.Faults())
	assert.Empty(t, am.Journal(authmocktest.JournalFilter{}))
	assert.True(t, introspect(t, am, tok.AccessToken), "a self-contained JWT stays valid: reset clears state, not signatures")
}

func TestSeedAndFrozenClockGiveIdenticalTokens(t *testing.T) {
	// Each server has its own port, so iss differs; everything else, jti
	// included, is the same.
	mint := func() map[string]any {
		am := authmocktest.New(t, authmocktest.WithFrozenAt(fixed), authmocktest.WithSeed(42))
		tok, err := serviceConfig(am).Token(t.Context())
		require.NoError(t, err)
		claims := jwtClaims(t, tok.AccessToken)
		assert.Equal(t, am.ProviderURL("oidc"), claims["iss"])
		delete(claims, "iss")
		return claims
	}
	first := mint()
	assert.NotEmpty(t, first["jti"])
	assert.Equal(t, first, mint())
}

func TestMint(t *testing.T) {
	am := authmocktest.New(t)
	res := am.Mint("oidc", authmocktest.MintRequest{ClientID: "demo-web", Username: "alice", Scopes: []string{"openid"}})
	assert.NotEmpty(t, res.AccessToken)
	assert.True(t, introspect(t, am, res.AccessToken))
}

func TestEveryTestGetsItsOwnServer(t *testing.T) {
	a, b := authmocktest.New(t), authmocktest.New(t)
	assert.NotEqual(t, a.URL(), b.URL())
	a.QueueFault(authmocktest.Fault{Provider: "oidc", Status: 503, Count: -1})
	_, err := serviceConfig(b).Token(t.Context())
	assert.NoError(t, err, "a's faults do not reach b")
}

func TestWithConfig(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithConfig(`{"providers": [{"name": "oidc", "mount": "/idp"}]}`))
	assert.Equal(t, am.URL()+"/idp", am.ProviderURL("oidc"))
}

func TestStartAndClose(t *testing.T) {
	am, err := authmocktest.Start()
	require.NoError(t, err)
	res, err := http.Get(am.URL() + "/_authmock/health")
	require.NoError(t, err)
	_ = res.Body.Close()
	am.Close()
	_, err = http.Get(am.URL() + "/_authmock/health")
	assert.Error(t, err, "the port is closed")

	_, err = authmocktest.Start(authmocktest.WithConfig(`{"server": {"log_level": "loud"}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "server.log_level")

	assert.Panics(t, func() {
		am, err := authmocktest.Start()
		require.NoError(t, err)
		defer am.Close()
		am.QueueFault(authmocktest.Fault{Provider: "nope", Status: 500})
	})
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		am, err := authmocktest.Start()
		if err != nil {
			b.Fatal(err)
		}
		am.Close()
	}
}
