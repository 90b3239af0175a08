package redis_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/redis"
)

// BenchmarkRotateRefresh is one refresh grant's store work: two scripts
// (judge, then commit) over loopback.
func BenchmarkRotateRefresh(b *testing.B) {
	be, err := redis.Open(b.Context(), redistest.Start(b)+"?prefix="+freshPrefix(), clock.NewFrozen(t0))
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	st := be.Namespace("bench")
	rec := store.RefreshRecord{Grant: store.Grant{FamilyID: "fam", ClientID: "c"}, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := st.IssueRefresh(b.Context(), "t0", rec); err != nil {
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
}

// BenchmarkReadLiveness is the read every verification makes: one script.
func BenchmarkReadLiveness(b *testing.B) {
	be, err := redis.Open(b.Context(), redistest.Start(b)+"?prefix="+freshPrefix(), clock.NewFrozen(t0))
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	st := be.Namespace("bench")
	if _, err := st.Mark(b.Context(), "a:1", store.MarkRevoked, t0.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	cutoffs := make([]uint64, 2)
	for b.Loop() {
		if _, err := st.ReadLiveness(b.Context(), []string{"a:1", "r:fam"}, []string{"u:alice", "c:client"}, cutoffs); err != nil {
			b.Fatal(err)
		}
	}
}
