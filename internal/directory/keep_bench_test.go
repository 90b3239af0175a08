package directory_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/bbolt"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/internal/store/redis"
)

// BenchmarkKeptChange is one admin API change (a user's password) kept in
// each store, with 100 users already changed so the overlay is not empty.
func BenchmarkKeptChange(b *testing.B) {
	clk := clock.NewFrozen(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	open := map[string]func(b *testing.B) store.Store{
		"memory": func(b *testing.B) store.Store {
			m := memory.New(clk)
			b.Cleanup(func() { _ = m.Close() })
			return m.Namespace("oidc")
		},
		"file": func(b *testing.B) store.Store {
			f, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), clk)
			require.NoError(b, err)
			b.Cleanup(func() { _ = f.Close() })
			return f.Namespace("oidc")
		},
		"redis": func(b *testing.B) store.Store {
			r, err := redis.Open(b.Context(), redistest.Start(b)+"?prefix=bench:", clk)
			require.NoError(b, err)
			b.Cleanup(func() { _ = r.Close() })
			return r.Namespace("oidc")
		},
	}
	for _, name := range []string{"memory", "file", "redis"} {
		b.Run(name, func(b *testing.B) {
			d := configured()
			k, err := directory.Keep(open[name](b), nil, d)
			require.NoError(b, err)
			e := &directory.Editor{Dir: d, Keep: k}
			for i := range 100 {
				_, err := e.PutFixture(b.Context(), directory.KindUsers, fmt.Sprintf("user-%03d", i), json.RawMessage(`{"password":"pw"}`))
				require.NoError(b, err)
			}
			i := 0
			for b.Loop() {
				i++
				if _, err := e.PutFixture(b.Context(), directory.KindUsers, "alice", json.RawMessage(fmt.Sprintf(`{"password":"pw-%d"}`, i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
