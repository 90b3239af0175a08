package authmocktest_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
	"github.com/authmock/authmock/internal/redistest"
)

// Trackmania's default reuse ("league") refuses a used refresh token and
// revokes nothing. Across two replicas on one Redis, 64 concurrent
// refreshes of one token split across both: exactly one wins, every other
// is refused as league refuses a used token, and the winner's new refresh
// token still works (a loser at the other replica must not have revoked
// the family by rotating it too).
func TestRedisReplicasTrackmaniaRefreshOnce(t *testing.T) {
	opts := withStore(fmt.Sprintf("%s?prefix=tm-once-%d:", redistest.Start(t), redisPrefixes.Add(1)))
	a, b := authmocktest.New(t, opts...), authmocktest.New(t, opts...)
	var dc dialectControl
	for _, c := range controls {
		if c.dialect == "trackmania" {
			dc = c
		}
	}
	for round := range 3 { // a few rounds: the race must be lost at the other replica to show
		rt := mintOver(t, a, dc)
		const n = 64
		statuses, bodies := make([]int, n), make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i], bodies[i], _ = dc.refresh(t, []*authmocktest.Server{a, b}[i%2], rt)
			}()
		}
		wg.Wait()
		var winner string
		for i, s := range statuses {
			if s == http.StatusOK {
				require.Empty(t, winner, "round %d: a second refresh won", round)
				winner = latest(rt, bodies[i])
				continue
			}
			assert.Equal(t, dc.refreshRevokedStatus, s, bodies[i])
			assert.JSONEq(t, dc.refreshRevokedBody, bodies[i])
		}
		require.NotEmpty(t, winner, "round %d: one refresh wins", round)
		for _, am := range []*authmocktest.Server{a, b} {
			status, body, _ := dc.refresh(t, am, winner)
			require.Equal(t, http.StatusOK, status, "round %d: the winner's refresh token works: %s", round, body)
			winner = latest(winner, body)
		}
	}
}
