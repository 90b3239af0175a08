package store_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

func TestClaimOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk)
	defer backend.Close()
	rs := backend.Namespace("c")
	ctx := t.Context()

	require.NoError(t, store.ClaimOnce(ctx, rs, "k", t0.Add(time.Minute)))
	assert.ErrorIs(t, store.ClaimOnce(ctx, rs, "k", t0.Add(time.Hour)), store.ErrClaimed, "a live claim is refused")
	require.NoError(t, store.ClaimOnce(ctx, rs, "other", t0.Add(time.Minute)), "claims are per key")

	require.NoError(t, rs.DeleteRecord(ctx, "k"))
	require.NoError(t, store.ClaimOnce(ctx, rs, "k", t0.Add(time.Minute)), "a released claim can be made again")

	clk.Advance(2 * time.Minute)
	require.NoError(t, store.ClaimOnce(ctx, rs, "k", t0.Add(time.Hour)), "an expired claim no longer holds")

	// 64 racers, one winner.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if store.ClaimOnce(ctx, rs, "race", t0.Add(time.Hour)) == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}
