package authmocktest_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
	"github.com/authmock/authmock/internal/redistest"
)

var storeT0 = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

func withStore(store string) []authmocktest.Option {
	return []authmocktest.Option{authmocktest.WithConfig(fmt.Sprintf(`{"server":{"store":%q}}`, store)), authmocktest.WithFrozenAt(storeT0)}
}

// mintOver mints through the admin API and returns the refresh token.
func mintOver(t *testing.T, am *authmocktest.Server, dc dialectControl) string {
	t.Helper()
	res := adminCall(t, am, http.MethodPost, "/providers/"+dc.dialect+"/tokens", dc.mint)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	var minted authmocktest.MintResult
	require.NoError(t, json.Unmarshal([]byte(res.body), &minted))
	require.NotEmpty(t, minted.RefreshToken)
	return minted.RefreshToken
}

// With file:PATH a user's refresh token, and a revocation, outlive a
// restart, in every dialect.
func TestFileStoreKeepsStateAcrossRestarts(t *testing.T) {
	for _, dc := range controls {
		t.Run(dc.dialect, func(t *testing.T) {
			opts := withStore("file:" + filepath.Join(t.TempDir(), "authmock.db"))
			first, err := authmocktest.Start(opts...)
			require.NoError(t, err)
			rt := mintOver(t, first, dc)
			first.Close()

			second := authmocktest.New(t, opts...)
			status, body, _ := dc.refresh(t, second, rt)
			require.Equal(t, cmp.Or(dc.refreshStatus, http.StatusOK), status, "a refresh token issued before the restart: %s", body)

			res := adminCall(t, second, http.MethodPost, "/providers/"+dc.dialect+"/tokens/revoke", `{"username":"`+dc.username+`"}`)
			require.Equal(t, http.StatusOK, res.status, res.body)
			rt = latest(rt, body)
			second.Close()

			third := authmocktest.New(t, opts...)
			status, body, _ = dc.refresh(t, third, rt)
			assert.Equal(t, dc.refreshRevokedStatus, status, "a revocation survives the restart: %s", body)
			assert.JSONEq(t, atNow(second, dc.refreshRevokedBody), body)
		})
	}
}

// latest returns the refresh token a client holds after a refresh answered
// body: the rotated one, or rt for a dialect that does not rotate.
func latest(rt, body string) string {
	var refreshed struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal([]byte(body), &refreshed)
	if refreshed.RefreshToken != "" {
		return refreshed.RefreshToken
	}
	return rt
}

var redisPrefixes atomic.Int64

// Two servers on one Redis are two replicas behind one issuer: a token
// minted at A refreshes at B, and a revocation at A is refused at B.
func TestRedisReplicasShareTokens(t *testing.T) {
	url := redistest.Start(t)
	for _, dc := range controls {
		t.Run(dc.dialect, func(t *testing.T) {
			opts := withStore(fmt.Sprintf("%s?prefix=replicas-%d:", url, redisPrefixes.Add(1)))
			a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
			rt := mintOver(t, a, dc)
			status, body, _ := dc.refresh(t, b, rt)
			require.Equal(t, cmp.Or(dc.refreshStatus, http.StatusOK), status, "minted at A, refreshed at B: %s", body)
			rt = latest(rt, body)

			res := adminCall(t, a, http.MethodPost, "/providers/"+dc.dialect+"/tokens/revoke", `{"username":"`+dc.username+`"}`)
			require.Equal(t, http.StatusOK, res.status, res.body)
			status, body, _ = dc.refresh(t, b, rt)
			assert.Equal(t, dc.refreshRevokedStatus, status, "revoked at A, refused at B: %s", body)
			assert.JSONEq(t, atNow(b, dc.refreshRevokedBody), body)
		})
	}
}

// The admin clock is shared too: an advance at A makes B refuse its own
// access token as expired, in every dialect. (Each authmocktest server is
// its own issuer, so the token is B's: replicas behind one load balancer
// would share server.issuer_url.)
func TestRedisReplicasShareTheClock(t *testing.T) {
	url := redistest.Start(t)
	for _, dc := range controls {
		t.Run(dc.dialect, func(t *testing.T) {
			opts := withStore(fmt.Sprintf("%s?prefix=clock-%d:", url, redisPrefixes.Add(1)))
			a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
			res := adminCall(t, b, http.MethodPost, "/providers/"+dc.dialect+"/tokens", dc.mint)
			require.Equal(t, http.StatusCreated, res.status, res.body)
			var minted authmocktest.MintResult
			require.NoError(t, json.Unmarshal([]byte(res.body), &minted))
			target := b.ProviderURL(dc.dialect) + protected[dc.dialect]
			first := call(t, b, http.MethodGet, target, bearer(minted.AccessToken), "")
			require.Equal(t, http.StatusOK, first.status, first.body)

			res = adminCall(t, a, http.MethodPost, "/clock/advance", `{"duration":"48h"}`)
			require.Equal(t, http.StatusOK, res.status, res.body)
			assert.Eventually(t, func() bool { return b.Now().Equal(storeT0.Add(48 * time.Hour)) },
				5*time.Second, 5*time.Millisecond, "B sees A's clock")
			res = call(t, b, http.MethodGet, target, bearer(minted.AccessToken), "")
			want := dc.expired
			if dc.clockExpired[0] != "" {
				want = dc.clockExpired
			}
			assert.Equal(t, want[0], itoa(res.status), res.body)
			assert.JSONEq(t, atNow(b, want[1]), res.body)
		})
	}
}

// The fault queue is shared: a rule queued at A is listed at B, and with
// count 1 it fires exactly once over 64 concurrent calls split across both.
func TestRedisReplicasShareTheFaultQueue(t *testing.T) {
	opts := withStore(fmt.Sprintf("%s?prefix=faults-%d:", redistest.Start(t), redisPrefixes.Add(1)))
	a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
	res := adminCall(t, a, http.MethodPost, "/faults", `{"provider":"oidc","path":"/.well-known/openid-configuration","status":418,"count":1}`)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	assert.Eventually(t, func() bool {
		return strings.Contains(adminCall(t, b, http.MethodGet, "/faults", "").body, `"status":418`)
	}, 5*time.Second, 5*time.Millisecond, "B lists the rule queued at A")

	const n = 64
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			am := []*authmocktest.Server{a, b}[i%2]
			statuses[i] = call(t, am, http.MethodGet, am.ProviderURL("oidc")+"/.well-known/openid-configuration", nil, "").status
		}()
	}
	wg.Wait()
	faulted := 0
	for _, s := range statuses {
		if s == http.StatusTeapot {
			faulted++
		} else {
			assert.Equal(t, http.StatusOK, s)
		}
	}
	assert.Equal(t, 1, faulted, "count 1 fires once across the replicas")
	assert.Eventually(t, func() bool {
		return strings.Contains(adminCall(t, a, http.MethodGet, "/faults", "").body, `"rules":[]`)
	},
		5*time.Second, 5*time.Millisecond, "the used-up rule is gone at both")
}

// Trackmania over two replicas: authorize at A, redeem the code at B, then
// 64 concurrent refreshes of one token split across both: exactly one
// wins; a replay of the code at A is refused.
func TestRedisReplicasCodeAndRefreshRace(t *testing.T) {
	opts := withStore(fmt.Sprintf("%s?prefix=race-%d:", redistest.Start(t), redisPrefixes.Add(1)))
	a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(a.ProviderURL("trackmania") + "/oauth/authorize?response_type=code&client_id=demo-trackmania-app" +
		"&redirect_uri=http://localhost:3000/callback&scope=clubs%20read_favorite&state=s2")
	require.NoError(t, err)
	res.Body.Close()
	loc, err := res.Location()
	require.NoError(t, err, "status %d", res.StatusCode)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)

	redeem := func(am *authmocktest.Server) exchange {
		h, body := form(map[string][]string{"grant_type": {"authorization_code"}, "client_id": {"demo-trackmania-app"},
			"client_secret": {"demo-trackmania-secret"}, "code": {code}, "redirect_uri": {"http://localhost:3000/callback"}})
		return call(t, am, http.MethodPost, am.ProviderURL("trackmania")+"/api/access_token", h, body)
	}
	got := redeem(b)
	require.Equal(t, http.StatusOK, got.status, "a code from A redeemed at B: %s", got.body)
	var tokens struct {
		RefreshToken string `json:"refresh_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(got.body), &tokens))

	var dc dialectControl
	for _, c := range controls {
		if c.dialect == "trackmania" {
			dc = c
		}
	}
	const n = 64
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = dc.refresh(t, []*authmocktest.Server{a, b}[i%2], tokens.RefreshToken)
		}()
	}
	wg.Wait()
	wins := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			wins++
		} else {
			assert.Equal(t, dc.refreshRevokedStatus, s)
		}
	}
	assert.Equal(t, 1, wins, "one of 64 refreshes split across two replicas wins")
	// Last: a replayed code revokes what was issued from it.
	assert.Equal(t, http.StatusBadRequest, redeem(a).status, "the code is spent for A too")
}

// Refresh at A, then replay the old token at B: the reuse is detected and
// the whole family dies, at both replicas.
func TestRedisReplicasDetectReuse(t *testing.T) {
	url := redistest.Start(t)
	for _, dc := range controls {
		t.Run(dc.dialect, func(t *testing.T) {
			opts := withStore(fmt.Sprintf("%s?prefix=reuse-%d:", url, redisPrefixes.Add(1)))
			a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
			rt := mintOver(t, a, dc)
			status, body, _ := dc.refresh(t, a, rt)
			require.Equal(t, cmp.Or(dc.refreshStatus, http.StatusOK), status, body)
			next := latest(rt, body)
			if next == rt {
				t.Skipf("%s does not rotate refresh tokens", dc.dialect)
			}
			status, body, _ = dc.refresh(t, b, rt)
			assert.Equal(t, dc.refreshRevokedStatus, status, "the replay at B is refused: %s", body)
			status, body, _ = dc.refresh(t, a, next)
			if dc.reuseKeepsFamily {
				assert.Equal(t, cmp.Or(dc.refreshStatus, http.StatusOK), status, "and the family lives on at A: %s", body)
				return
			}
			assert.Equal(t, dc.refreshRevokedStatus, status, "and the family is revoked at A: %s", body)
		})
	}
}

// TestReplicasShareGeneratedKeys: a "generate" key is made by the first
// replica on a store and loaded by the others (and by the next start on a
// file), so they publish one JWKS and accept each other's tokens behind one
// issuer URL; a server on a store of its own makes its own key.
func TestReplicasShareGeneratedKeys(t *testing.T) {
	url := redistest.Start(t)
	cfg := func(store string) authmocktest.Option {
		return authmocktest.WithConfig(fmt.Sprintf(`{"server":{"store":%q},
			"providers":[{"name":"oidc","config":{"keys":[{"generate":true,"alg":"ES256"}]}}]}`, store))
	}
	jwks := func(am *authmocktest.Server) string {
		res := call(t, am, http.MethodGet, am.ProviderURL("oidc")+"/jwks", nil, "")
		require.Equal(t, http.StatusOK, res.status, res.body)
		return res.body
	}
	for name, store := range map[string]string{
		"redis replicas": fmt.Sprintf("%s?prefix=keys-%d:", url, redisPrefixes.Add(1)),
		"file restarts":  "file:" + filepath.Join(t.TempDir(), "keys.db"),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := authmocktest.Start(cfg(store), authmocktest.WithFrozenAt(storeT0))
			require.NoError(t, err)
			first := jwks(a)
			if name == "file restarts" {
				a.Close() // bbolt allows one process at a time
			} else {
				defer a.Close()
			}
			b := authmocktest.New(t, cfg(store), authmocktest.WithFrozenAt(storeT0))
			assert.JSONEq(t, first, jwks(b), "one key, made by the first")
			alone := authmocktest.New(t, cfg("memory"), authmocktest.WithFrozenAt(storeT0))
			assert.NotEqual(t, first, jwks(alone), "a server on its own store made its own key")
		})
	}
}
