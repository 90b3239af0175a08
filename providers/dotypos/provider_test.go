package dotypos

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
)

func testDeps(t *testing.T) provider.Deps {
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk)
	t.Cleanup(func() { _ = backend.Close() })
	return provider.Deps{Name: "dotypos", Issuer: "http://authmock.test/dotypos", Clock: clk, Store: backend.Namespace("dotypos"),
		Logger: slog.New(slog.DiscardHandler), Rand: rand.Reader, MaxBody: testMaxBody}
}

func TestDescribe(t *testing.T) {
	ts := newTestServer(t, nil)
	d := ts.p.Describe()
	assert.Equal(t, "dotypos", d.Dialect)
	require.GreaterOrEqual(t, len(d.Endpoints), 5)
	assert.Equal(t, "open", d.Endpoints[0].Name)
	// The banner's first URL is a working legacy connector URL.
	open := d.Endpoints[0].URL
	assert.Equal(t, ts.url(PathConnect)+"?client_id=carol-app&client_secret=carol-secret&scope=*&redirect_uri=https%3A%2F%2Fcarol.example.com%2Fcb&state=demo-state", open)
	assert.Equal(t, []provider.Endpoint{
		{Name: "connect", URL: ts.url(PathConnect)},
		{Name: "connect v2", URL: ts.url(PathConnectV2)},
		{Name: "signin", URL: ts.url(PathSignin)},
		{Name: "clouds", URL: ts.url(PathClouds)},
	}, d.Endpoints[1:])
	require.Len(t, d.Clients, 4)
	assert.Equal(t, provider.DescribedClient{ID: posID, Secret: posSecret, RedirectURIs: []string{posRedirect, posRedirect2}, Note: "connects as alice"}, d.Clients[3])
	assert.Contains(t, d.Notes, `alice's clouds: 123456789 "Bistro Praha", 987654321 "Café Brno", 2147483647 "Bakery Ostrava"`)
	assert.Contains(t, d.Notes, "non-interactive: the connector redirects at once with the default user's first cloud (or ?cloudid=)")

	// A URL built the same way for pos-sync works as printed.
	res := ts.request(http.MethodGet, ts.p.ConnectURL(ts.p.dir.Clients()[3], posRedirect, "demo-state")[len(ts.issuer):], nil)
	require.Equal(t, http.StatusFound, res.status, "%s", res.body)
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "demo-state", loc.Query().Get("state"))
}

func TestMint(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: posID})
	require.NoError(t, err)
	assert.Equal(t, int64(3600), res.ExpiresIn)
	assert.Regexp(t, refreshTokenFormat, res.RefreshToken)
	claims := ts.claimsOf(res.AccessToken)
	assert.Equal(t, aliceSubject, claims["sub"])
	assert.Equal(t, float64(cloudBistro), claims["cloudId"])
	assert.Equal(t, []any{float64(cloudBistro), float64(cloudCafe), float64(cloudBakery)}, claims["clouds"])
	// The minted refresh token works at signin for every cloud of the user.
	assert.Equal(t, http.StatusCreated, ts.signin(res.RefreshToken, `{"_cloudId":2147483647}`).status)
	assert.Equal(t, http.StatusOK, ts.get(PathClouds+"/123456789", res.AccessToken).status)

	res, err = ts.p.Mint(t.Context(), provider.MintRequest{ClientID: posID, Username: "bob", TTLSeconds: 60,
		Claims: map[string]any{"cloudId": "555", "iss": "forged", "extra": "x"}})
	require.NoError(t, err)
	assert.Equal(t, int64(60), res.ExpiresIn)
	claims = ts.claimsOf(res.AccessToken)
	assert.Equal(t, float64(cloudBob), claims["cloudId"])
	assert.Equal(t, ts.issuer, claims["iss"], "extras cannot override the token's own claims")
	assert.Equal(t, "x", claims["extra"])
	assert.Equal(t, float64(t0.Add(time.Minute).Unix()), claims["exp"])

	res, err = ts.p.Mint(t.Context(), provider.MintRequest{ClientID: posID, Claims: map[string]any{"cloudId": float64(0)}})
	require.NoError(t, err)
	assert.Nil(t, ts.claimsOf(res.AccessToken)["cloudId"], "cloudId 0: a token that can only list clouds")

	for _, req := range []provider.MintRequest{
		{ClientID: "nope"},
		{ClientID: posID, Username: "nobody"},
		{ClientID: posID, Claims: map[string]any{"cloudId": "abc"}},
		{ClientID: posID, Claims: map[string]any{"cloudId": 1.5}},
		{ClientID: "dave-app"}, // default user disabled
	} {
		_, err := ts.p.Mint(t.Context(), req)
		assert.Error(t, err, "%+v", req)
	}
}
