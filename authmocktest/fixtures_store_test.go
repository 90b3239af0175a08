package authmocktest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
	"github.com/authmock/authmock/internal/redistest"
)

// addedClient is a client the tests add through the admin API.
const addedClient = `{"secret":"added-secret","grant_types":["client_credentials"],"scopes":["api:read"]}`

// clientCredentials asks oidc at am for a token as the added client.
func clientCredentials(t *testing.T, am *authmocktest.Server) exchange {
	t.Helper()
	h, body := form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"added-app"}, "client_secret": {"added-secret"}, "scope": {"api:read"}})
	return call(t, am, http.MethodPost, am.ProviderURL("oidc")+"/token", h, body)
}

// fastapiLogin logs alice in at am's fastapi with password.
func fastapiLogin(t *testing.T, am *authmocktest.Server, password string) exchange {
	t.Helper()
	h, body := form(url.Values{"username": {"alice@example.com"}, "password": {password}})
	return call(t, am, http.MethodPost, am.ProviderURL("fastapi")+"/auth/jwt/login", h, body)
}

// eventually waits for a replica to hear of another's change: within
// milliseconds, by pub/sub.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond, msg)
}

// Fixtures changed through the admin API at replica A are used at replica
// B: a client added at A gets a token at B, a password changed at A logs
// in at B, a Dotypos cloud deleted at A is gone at B; a reset at A drops
// the client at B.
func TestRedisReplicasShareFixtureChanges(t *testing.T) {
	opts := withStore(fmt.Sprintf("%s?prefix=fixtures-%d:", redistest.Start(t), redisPrefixes.Add(1)))
	a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)

	before := clientCredentials(t, b)
	require.Equal(t, http.StatusUnauthorized, before.status, "no such client yet: %s", before.body)
	assert.JSONEq(t, `{"error":"invalid_client","error_description":"client authentication failed"}`, before.body)
	res := adminCall(t, a, http.MethodPut, "/providers/oidc/clients/added-app", addedClient)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	eventually(t, func() bool { return clientCredentials(t, b).status == http.StatusOK }, "a client added at A gets a token at B")

	res = adminCall(t, a, http.MethodPatch, "/providers/fastapi/users/alice@example.com", `{"password":"rotated-at-a"}`)
	require.Equal(t, http.StatusOK, res.status, res.body)
	eventually(t, func() bool { return fastapiLogin(t, b, "rotated-at-a").status == http.StatusOK }, "a password changed at A logs in at B")
	old := fastapiLogin(t, b, "alice-password")
	assert.Equal(t, http.StatusBadRequest, old.status, "the old password is refused at B")
	assert.JSONEq(t, `{"detail":"LOGIN_BAD_CREDENTIALS"}`, old.body)

	res = adminCall(t, a, http.MethodDelete, "/providers/dotypos/clouds/234567890", "")
	require.Equal(t, http.StatusNoContent, res.status, res.body)
	eventually(t, func() bool {
		return adminCall(t, b, http.MethodGet, "/providers/dotypos/clouds/234567890", "").status == http.StatusNotFound
	}, "a cloud deleted at A is gone at B")
	owner := adminCall(t, b, http.MethodGet, "/providers/dotypos/users/owner", "")
	require.Equal(t, http.StatusOK, owner.status, owner.body)
	assert.NotContains(t, owner.body, "234567890", "and from its users' clouds")

	res = adminCall(t, a, http.MethodPost, "/reset", "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	eventually(t, func() bool { return clientCredentials(t, b).status == http.StatusUnauthorized }, "a reset at A drops the client at B")
	assert.Equal(t, http.StatusOK, fastapiLogin(t, b, "alice-password").status, "and the configured password is back at B")
	assert.Equal(t, http.StatusOK, adminCall(t, b, http.MethodGet, "/providers/dotypos/clouds/234567890", "").status, "and the cloud")
}

// On a file store, a client added through the admin API still works after
// a restart; after a reset, the next start has the configured clients
// only.
func TestFileStoreKeepsFixtureChanges(t *testing.T) {
	opts := withStore("file:" + filepath.Join(t.TempDir(), "authmock.db"))
	first, err := authmocktest.Start(opts...)
	require.NoError(t, err)
	res := adminCall(t, first, http.MethodPut, "/providers/oidc/clients/added-app", addedClient)
	require.Equal(t, http.StatusCreated, res.status, res.body)
	res = adminCall(t, first, http.MethodDelete, "/providers/oidc/clients/demo-service", "")
	require.Equal(t, http.StatusNoContent, res.status, res.body)
	first.Close()

	second, err := authmocktest.Start(opts...)
	require.NoError(t, err)
	got := clientCredentials(t, second)
	assert.Equal(t, http.StatusOK, got.status, "a client added before the restart: %s", got.body)
	res = adminCall(t, second, http.MethodGet, "/providers/oidc/clients", "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Contains(t, res.body, `"id":"added-app"`)
	assert.NotContains(t, res.body, `"id":"demo-service"`, "a client deleted before the restart stays deleted")
	res = adminCall(t, second, http.MethodPost, "/reset", "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	second.Close()

	third := authmocktest.New(t, opts...)
	got = clientCredentials(t, third)
	assert.Equal(t, http.StatusUnauthorized, got.status, "the reset dropped it: %s", got.body)
	res = adminCall(t, third, http.MethodGet, "/providers/oidc/clients", "")
	assert.True(t, strings.Contains(res.body, `"id":"demo-service"`), "and brought the configured client back: %s", res.body)
}

// Kept fixture changes cost requests nothing: a replica learns of them by
// notice, so 50 client_credentials grants for a client added at runtime
// send Redis fewer than 50 commands (only the sweep timer's, if it fires).
func TestRedisFixtureChangesCostRequestsNoStoreCall(t *testing.T) {
	rawURL := redistest.Start(t)
	am := authmocktest.New(t, withStore(fmt.Sprintf("%s?prefix=nocall-%d:", rawURL, redisPrefixes.Add(1)))...)
	res := adminCall(t, am, http.MethodPut, "/providers/oidc/clients/added-app", addedClient)
	require.Equal(t, http.StatusCreated, res.status, res.body)

	opts, err := goredis.ParseURL(rawURL)
	require.NoError(t, err)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	processed := func() int {
		info, err := rdb.Info(t.Context(), "stats").Result()
		require.NoError(t, err)
		for line := range strings.SplitSeq(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
				n, err := strconv.Atoi(v)
				require.NoError(t, err)
				return n
			}
		}
		t.Fatal("no total_commands_processed in INFO stats")
		return 0
	}
	before := processed()
	for range 50 {
		got := clientCredentials(t, am)
		require.Equal(t, http.StatusOK, got.status, got.body)
	}
	assert.Less(t, processed()-before, 50, "no store call per request")
}

// A dialect's check that reads the other items holds across replicas:
// eight users taking one Trackmania display name at once through two
// replicas, and one gets it.
func TestRedisReplicasKeepDialectChecks(t *testing.T) {
	opts := withStore(fmt.Sprintf("%s?prefix=checks-%d:", redistest.Start(t), redisPrefixes.Add(1)))
	a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
	const n = 8
	results := make([]exchange, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"password":"pw","subject":"6f1c0000-0000-4000-8000-00000000000%d","claims":{"display_name":"Contested"}}`, i)
			results[i] = adminCall(t, []*authmocktest.Server{a, b}[i%2], http.MethodPut, fmt.Sprintf("/providers/trackmania/users/racer-%d", i), body)
		}()
	}
	wg.Wait()
	created := 0
	for _, res := range results {
		if res.status == http.StatusCreated {
			created++
			continue
		}
		assert.Equal(t, http.StatusBadRequest, res.status, res.body)
		assert.Contains(t, res.body, `"path":"claims.display_name"`)
	}
	assert.Equal(t, 1, created, "one user gets the display name")
}
