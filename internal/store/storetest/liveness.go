package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

func testLiveness(t *testing.T, newBackend factory) {
	t.Run("marks report their highest level until their time", func(t *testing.T) {
		f := setup(t, newBackend)
		before, err := f.st.Mark(f.ctx, "a:1", store.MarkExpired, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, store.MarkNone, before)
		before, err = f.st.Mark(f.ctx, "a:1", store.MarkRevoked, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, store.MarkExpired, before)
		before, err = f.st.Mark(f.ctx, "a:1", store.MarkExpired, t0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, store.MarkRevoked, before, "a level is never lowered")
		_, err = f.st.Mark(f.ctx, "r:fam", store.MarkExpired, time.Time{})
		require.NoError(t, err)

		for _, tc := range []struct {
			at   time.Duration
			keys []string
			want uint8
		}{
			{0, []string{"a:1"}, store.MarkRevoked},
			{0, []string{"a:2"}, store.MarkNone},
			{0, nil, store.MarkNone},
			{0, []string{"a:2", "r:fam"}, store.MarkExpired},
			{time.Hour - tick, []string{"a:1"}, store.MarkRevoked},
			{tenYears, []string{"r:fam", "a:2"}, store.MarkExpired},
		} {
			f.clk.Set(t0.Add(tc.at))
			got, err := f.st.ReadLiveness(f.ctx, tc.keys, nil, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "ReadLiveness(%q) at t0+%v", tc.keys, tc.at)
		}
	})

	t.Run("marking again never shortens a mark's life", func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			first, second time.Duration
		}{
			{"later then earlier", 2 * time.Hour, time.Hour},
			{"earlier then later", time.Hour, 2 * time.Hour},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := setup(t, newBackend)
				_, err := f.st.Mark(f.ctx, "a:1", store.MarkRevoked, t0.Add(tc.first))
				require.NoError(t, err)
				_, err = f.st.Mark(f.ctx, "a:1", store.MarkRevoked, t0.Add(tc.second))
				require.NoError(t, err)
				f.clk.Set(t0.Add(90 * time.Minute))
				got, err := f.st.ReadLiveness(f.ctx, []string{"a:1"}, nil, nil)
				require.NoError(t, err)
				assert.Equal(t, store.MarkRevoked, got, "the longer of the two lives holds")
			})
		}
	})

	t.Run("a past until is not kept", func(t *testing.T) {
		f := setup(t, newBackend)
		_, err := f.st.Mark(f.ctx, "a:1", store.MarkRevoked, t0.Add(-time.Second))
		require.NoError(t, err)
		got, err := f.st.ReadLiveness(f.ctx, []string{"a:1"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, store.MarkNone, got)
	})

	t.Run("cut-offs only rise", func(t *testing.T) {
		f := setup(t, newBackend)
		for _, tc := range []struct{ seq, before uint64 }{{5, 0}, {3, 5}, {9, 5}, {9, 9}} {
			before, err := f.st.RaiseCutoff(f.ctx, "user:alice", tc.seq)
			require.NoError(t, err)
			assert.Equal(t, tc.before, before, "RaiseCutoff(%d)", tc.seq)
		}
		_, err := f.st.RaiseCutoff(f.ctx, "client:web", 4)
		require.NoError(t, err)
		f.clk.Set(t0.Add(tenYears))
		cut := make([]uint64, 3)
		_, err = f.st.ReadLiveness(f.ctx, nil, []string{"client:web", "user:bob", "user:alice"}, cut)
		require.NoError(t, err)
		assert.Equal(t, []uint64{4, 0, 9}, cut, "cut-offs never expire")
	})

	t.Run("one call reads marks and cut-offs", func(t *testing.T) {
		f := setup(t, newBackend)
		_, err := f.st.Mark(f.ctx, "a:1", store.MarkRevoked, time.Time{})
		require.NoError(t, err)
		_, err = f.st.RaiseCutoff(f.ctx, "user:alice", 3)
		require.NoError(t, err)
		cut := make([]uint64, 2)
		got, err := f.st.ReadLiveness(f.ctx, []string{"a:1"}, []string{"user:alice", "client:x"}, cut)
		require.NoError(t, err)
		assert.Equal(t, store.MarkRevoked, got)
		assert.Equal(t, []uint64{3, 0}, cut)
	})

	t.Run("exactly one concurrent mark sees the key unmarked", func(t *testing.T) {
		for round := range rounds {
			f := setup(t, newBackend)
			var first atomic.Int32
			race(func(i int) {
				level := store.MarkExpired
				if i%2 == 0 {
					level = store.MarkRevoked
				}
				before, err := f.st.Mark(f.ctx, "a:1", level, t0.Add(time.Duration(i+1)*time.Minute))
				assert.NoError(t, err)
				if before == store.MarkNone {
					first.Add(1)
				}
			})
			require.Equal(t, int32(1), first.Load(), "round %d", round)
			f.clk.Set(t0.Add(goroutines*time.Minute - tick))
			got, err := f.st.ReadLiveness(f.ctx, []string{"a:1"}, nil, nil)
			require.NoError(t, err)
			assert.Equal(t, store.MarkRevoked, got, "round %d: the highest level and the longest life hold", round)
		}
	})

	t.Run("concurrent cut-offs end at the highest", func(t *testing.T) {
		for round := range rounds {
			f := setup(t, newBackend)
			var sawZero atomic.Int32
			race(func(i int) {
				before, err := f.st.RaiseCutoff(f.ctx, "user:alice", uint64(i+1))
				assert.NoError(t, err)
				if before == 0 {
					sawZero.Add(1)
				}
			})
			require.Equal(t, int32(1), sawZero.Load(), "round %d", round)
			cut := make([]uint64, 1)
			_, err := f.st.ReadLiveness(f.ctx, nil, []string{"user:alice"}, cut)
			require.NoError(t, err)
			assert.Equal(t, uint64(goroutines), cut[0], fmt.Sprint("round ", round))
		}
	})
}
