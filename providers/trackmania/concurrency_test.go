package trackmania

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentRefresh presents one refresh token 64 times at once:
// exactly one request rotates it; the others see a retired token, which
// revokes the family, so the winner's tokens die too.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	const n = 64
	var wg sync.WaitGroup
	results := make([]response, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = ts.refresh(tok.RefreshToken)
		})
	}
	close(start)
	wg.Wait()
	var winners []response
	for _, r := range results {
		if r.status == http.StatusOK {
			winners = append(winners, r)
			continue
		}
		assert.Equal(t, http.StatusBadRequest, r.status)
		assert.Equal(t, "invalid_grant", r.json(t)["error"])
	}
	require.Len(t, winners, 1, "exactly one refresh succeeds")
	won := ts.tokens(winners[0], true)
	assert.Equal(t, http.StatusBadRequest, ts.refresh(won.RefreshToken).status, "the losers' reuse revoked the family")
	assert.Equal(t, http.StatusUnauthorized, ts.api(PathUser, "", won.AccessToken).status)
}

// TestConcurrentCodeRedemption redeems one code 64 times at once: one
// success, and the replays revoke what it issued.
func TestConcurrentCodeRedemption(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	code := ts.code(nil)
	const n = 64
	var wg sync.WaitGroup
	results := make([]response, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = ts.redeem(code, nil)
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, r := range results {
		if r.status == http.StatusOK {
			ok++
			continue
		}
		assert.Equal(t, "invalid_grant", r.json(t)["error"])
	}
	assert.LessOrEqual(t, ok, 1)
}
