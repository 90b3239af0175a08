package store_test

import (
	"strings"
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

type page struct {
	ClientID string `json:"client_id"`
	State    string `json:"state"`
}

func TestPending(t *testing.T) {
	clk := clock.NewFrozen(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	backend := memory.New(clk)
	defer backend.Close()
	rs := backend.Namespace("p")
	pending := store.Pending[page]{Prefix: "pending:", TTL: 10 * time.Minute}
	ctx := t.Context()

	require.NoError(t, pending.Save(ctx, rs, "id1", page{ClientID: "app", State: "s"}, clk.Now()))
	got, err := pending.Load(ctx, rs, "id1")
	require.NoError(t, err)
	assert.Equal(t, page{ClientID: "app", State: "s"}, got)
	_, err = pending.Load(ctx, rs, "id1")
	assert.NoError(t, err, "loading leaves it answerable")

	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if pending.Take(ctx, rs, "id1") {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load(), "exactly one submit takes it")
	_, err = pending.Load(ctx, rs, "id1")
	assert.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, pending.Save(ctx, rs, "id2", page{}, clk.Now()))
	clk.Advance(11 * time.Minute)
	_, err = pending.Load(ctx, rs, "id2")
	assert.Error(t, err, "expired")
	assert.False(t, pending.Take(ctx, rs, "id2"))

	for _, id := range []string{"", strings.Repeat("x", 129)} {
		_, err = pending.Load(ctx, rs, id)
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.False(t, pending.Take(ctx, rs, id))
	}
}
