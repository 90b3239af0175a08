package bbolt_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/bbolt"
)

// BenchmarkRotateRefresh is one refresh grant's store work: rotating a
// token of a family, fsync included (the default).
func BenchmarkRotateRefresh(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []bbolt.Option
	}{{"sync", nil}, {"nosync", []bbolt.Option{bbolt.WithNoSync()}}} {
		b.Run(tc.name, func(b *testing.B) {
			be, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), clock.NewFrozen(t0), tc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer be.Close()
			st := be.Namespace("bench")
			if err := st.IssueRefresh(b.Context(), "t0", refresh("fam", t0.Add(1<<40))); err != nil {
				b.Fatal(err)
			}
			keep := func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil }
			i := 0
			for b.Loop() {
				if _, err := st.RotateRefresh(b.Context(), "t"+strconv.Itoa(i), "t"+strconv.Itoa(i+1), keep); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkReadLiveness is the read every verification makes.
func BenchmarkReadLiveness(b *testing.B) {
	be, err := bbolt.Open(filepath.Join(b.TempDir(), "bench.db"), clock.NewFrozen(t0), bbolt.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	st := be.Namespace("bench")
	if _, err := st.Mark(b.Context(), "a:1", store.MarkRevoked, t0.Add(1<<40)); err != nil {
		b.Fatal(err)
	}
	cutoffs := make([]uint64, 2)
	for b.Loop() {
		if _, err := st.ReadLiveness(b.Context(), []string{"a:1", "r:fam"}, []string{"u:alice", "c:client"}, cutoffs); err != nil {
			b.Fatal(err)
		}
	}
}
