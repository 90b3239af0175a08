package dpop

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/bbolt"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/internal/store/redis"
)

// TestStoreReplayOnEveryBackend: a claim is refused again until it expires
// on authmock's clock, a release frees it, and of concurrent claims of
// one proof exactly one wins. With Redis the two stores are two replicas
// on one server, so a proof spent on one is refused by the other.
func TestStoreReplayOnEveryBackend(t *testing.T) {
	backends := map[string]func(t *testing.T, clk clock.Clock) (a, b store.Store){
		"memory": func(t *testing.T, clk clock.Clock) (store.Store, store.Store) {
			be := memory.New(clk)
			t.Cleanup(func() { _ = be.Close() })
			return be.Namespace("oidc"), be.Namespace("oidc")
		},
		"bbolt": func(t *testing.T, clk clock.Clock) (store.Store, store.Store) {
			be, err := bbolt.Open(filepath.Join(t.TempDir(), "state.db"), clk)
			require.NoError(t, err)
			t.Cleanup(func() { _ = be.Close() })
			return be.Namespace("oidc"), be.Namespace("oidc")
		},
		"redis replicas": func(t *testing.T, clk clock.Clock) (store.Store, store.Store) {
			url := fmt.Sprintf("%s?prefix=dpop-%d:", redistest.Start(t), prefixes.Add(1))
			open := func() store.Store {
				be, err := redis.Open(context.Background(), url, clk)
				require.NoError(t, err)
				t.Cleanup(func() { _ = be.Close() })
				return be.Namespace("oidc")
			}
			return open(), open()
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			clk := clock.NewFrozen(testNow)
			sa, sb := open(t, clk)
			a, b := StoreReplay{Records: sa}, StoreReplay{Records: sb}
			ctx := context.Background()
			until := testNow.Add(time.Minute)

			require.NoError(t, a.Claim(ctx, "k1", until))
			assert.ErrorIs(t, b.Claim(ctx, "k1", until), ErrReplayed)
			require.NoError(t, b.Claim(ctx, "k2", until), "another key is free")
			require.NoError(t, b.Release(ctx, "k1"))
			require.NoError(t, a.Claim(ctx, "k1", until), "a released key can be claimed again")

			clk.Advance(time.Minute + time.Second)
			require.NoError(t, b.Claim(ctx, "k1", until.Add(time.Hour)), "an expired claim is gone")

			var wins atomic.Int32
			done := make(chan struct{})
			for i := range 16 {
				go func() {
					defer func() { done <- struct{}{} }()
					s := a
					if i%2 == 1 {
						s = b
					}
					if s.Claim(ctx, "race", until.Add(time.Hour)) == nil {
						wins.Add(1)
					}
				}()
			}
			for range 16 {
				<-done
			}
			assert.Equal(t, int32(1), wins.Load(), "exactly one concurrent claim wins")
		})
	}
}

var prefixes atomic.Int64
