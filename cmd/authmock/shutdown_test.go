package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/server"
)

// A stop that cuts requests off (they outlive server.shutdown_grace) exits
// non-zero and says how many were cut off.
func TestShutdownCuttingRequestsOffFails(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	started := make(chan *server.Server, 1)
	e := &env{stdout: &stdout, stderr: &stderr, lookup: func(string) (string, bool) { return "", false },
		started: func(s *server.Server) { started <- s }}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log-format", "json", "--shutdown-grace", "200ms"}, e)
	}()
	var srv *server.Server
	select {
	case srv = <-started:
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, stderr.String())
	}

	// A request held by a fault delay far longer than the grace period.
	res, err := http.Post(srv.URL()+"/_authmock/faults", "application/json",
		strings.NewReader(`{"provider":"oidc","path":"/jwks","delay_ms":30000}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	go func() {
		if res, err := http.Get(srv.ProviderURL("oidc") + "/jwks"); err == nil {
			res.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return srv.InFlight() == 1 }, 10*time.Second, 5*time.Millisecond)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitError, code)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, stderr.String(), `"msg":"shutdown grace period ran out; requests cut off","cut_off":1,"grace":200000000`)
}
