package redisfaults_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/mux"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/faults"
	"github.com/authmock/authmock/internal/faults/redisfaults"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/redistest"
)

// replica is one process's queue on the shared rules, behind a router
// whose one route answers 200.
func replica(t *testing.T, rdb *goredis.Client) (*faults.Queue, http.Handler) {
	t.Helper()
	q := faults.NewQueue(func(name string) bool { return name == "tm" })
	run, err := redisfaults.New(rdb, "test:").Share(t.Context(), q, func(err error) { t.Errorf("shared faults: %v", err) })
	require.NoError(t, err)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { run(stop); close(done) }()
	t.Cleanup(func() { close(stop); <-done })
	r := mux.NewRouter()
	r.Use(q.Middleware("tm", "", oauth.RFC6749Renderer{}))
	r.HandleFunc("/api/user", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return q, r
}

func status(h http.Handler) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/user", nil))
	return rec.Code
}

func TestSharedQueue(t *testing.T) {
	opts, err := goredis.ParseURL(redistest.Start(t))
	require.NoError(t, err)
	rdb := goredis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	qa, ha := replica(t, rdb)
	qb, hb := replica(t, rdb)

	// Count 2: A fires once, B once, then neither.
	added, err := qa.Add(faults.Rule{Provider: "tm", Status: 418, Count: 2})
	require.NoError(t, err)
	assert.Equal(t, 2, added.Remaining)
	require.Eventually(t, func() bool { return len(qb.List()) == 1 }, 5*time.Second, 5*time.Millisecond, "B mirrors A's rule")
	assert.Equal(t, http.StatusTeapot, status(ha))
	assert.Equal(t, http.StatusTeapot, status(hb))
	assert.Equal(t, http.StatusOK, status(ha), "used up across replicas")
	require.Eventually(t, func() bool { return len(qa.List()) == 0 && len(qb.List()) == 0 }, 5*time.Second, 5*time.Millisecond)

	// Count -1 fires until deleted, and a delete at B reaches A.
	always, err := qa.Add(faults.Rule{Provider: "tm", Status: 503, Count: -1})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(qb.List()) == 1 }, 5*time.Second, 5*time.Millisecond)
	for range 3 {
		assert.Equal(t, http.StatusServiceUnavailable, status(hb))
	}
	require.Eventually(t, func() bool { l := qa.List(); return len(l) == 1 && l[0].Fired == 3 }, 5*time.Second, 5*time.Millisecond, "A sees B's firings")
	assert.True(t, qb.Delete(always.ID))
	require.Eventually(t, func() bool { return len(qa.List()) == 0 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, http.StatusOK, status(ha))

	// Clear at A removes B's rules too.
	_, err = qb.Add(faults.Rule{Provider: "tm", Status: 500, Count: 5})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(qa.List()) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, 1, qa.Clear(""))
	require.Eventually(t, func() bool { return len(qb.List()) == 0 }, 5*time.Second, 5*time.Millisecond)
}
