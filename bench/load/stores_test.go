package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlagsStores(t *testing.T) {
	var sink strings.Builder
	o, err := parseFlags([]string{"-mode", "stores"}, &sink)
	require.NoError(t, err)
	assert.Equal(t, storeKinds, o.stores)
	assert.Equal(t, 16, o.concurrency, "the compare mode's default, not a state mode's full load")

	o, err = parseFlags([]string{"-mode", "stores", "-stores", "file, redis"}, &sink)
	require.NoError(t, err)
	assert.Equal(t, []string{"file", "redis"}, o.stores)

	for _, args := range [][]string{{"-mode", "stores", "-stores", "etcd"}, {"-mode", "stores", "-stores", ","}} {
		sink.Reset()
		_, err = parseFlags(args, &sink)
		assert.Error(t, err, "%v", args)
		assert.Contains(t, sink.String(), "load: ", "%v", args)
	}
}

// rotatingServer hands out refresh tokens that work once, as authmock's
// do, and refuses a spent one with 400.
type rotatingServer struct {
	mu    sync.Mutex
	live  map[string]bool
	next  int
	spent int
}

func (s *rotatingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != demoWebAuth || r.ParseForm() != nil {
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "password":
	case "refresh_token":
		if !s.live[r.PostForm.Get("refresh_token")] {
			s.spent++
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		delete(s.live, r.PostForm.Get("refresh_token"))
	default:
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	s.next++
	token := fmt.Sprintf("rt-%d", s.next)
	s.live[token] = true
	fmt.Fprintf(w, `{"access_token":"a","token_type":"Bearer","refresh_token":%q}`, token)
}

// TestRefreshLoad: every worker rotates its own chain, so no request
// presents a spent token, and only requests inside the window count.
func TestRefreshLoad(t *testing.T) {
	srv := &rotatingServer{live: map[string]bool{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	s, err := refreshLoad(context.Background(), ts.URL, 4, 50*time.Millisecond, 200*time.Millisecond, 0)
	require.NoError(t, err)
	assert.Zero(t, s.errors, s.firstError)
	assert.Positive(t, s.requests)
	assert.Len(t, s.latencies, s.requests)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Zero(t, srv.spent, "no spent token was presented")
	assert.Len(t, srv.live, 4, "one live token per worker's chain")
	assert.Greater(t, srv.next, s.requests, "the warm-up's refreshes are not counted")
}

func TestRefreshLoadReportsARefusal(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") == "password" {
			fmt.Fprint(w, `{"refresh_token":"rt"}`)
			return
		}
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
	}))
	defer ts.Close()
	s, err := refreshLoad(context.Background(), ts.URL, 2, 0, 100*time.Millisecond, 0)
	require.NoError(t, err)
	assert.Equal(t, 2, s.errors, "each worker's chain ends at its first refusal")
	assert.Contains(t, s.firstError, "status 400")
}

func TestRedisCall(t *testing.T) {
	addr, stop, err := startRedis(context.Background(), t.TempDir())
	if err != nil {
		t.Skipf("no redis-server to start (apt-get install redis-server): %v", err)
	}
	defer stop()
	n1, err := redisCommands(context.Background(), addr)
	require.NoError(t, err)
	_, err = redisCall(context.Background(), addr, "PING")
	require.NoError(t, err)
	n2, err := redisCommands(context.Background(), addr)
	require.NoError(t, err)
	assert.Equal(t, n1+2, n2, "the PING and the first INFO")
}
