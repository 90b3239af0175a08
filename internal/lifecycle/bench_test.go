package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/authmock/authmock/internal/provider"
)

func BenchmarkNewAccess(b *testing.B) {
	w := newWorld(b)
	exp := t0.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		w.l.NewAccess("alice", "web", "", exp)
	}
}

func BenchmarkCheck(b *testing.B) {
	w := newWorld(b)
	f := w.access("alice", "web", "fam")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.l.Check(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRevokeUserAfterMillion: a cut-off costs the same after a million
// tokens as after one (the bound is 10 ms).
func BenchmarkRevokeUserAfterMillion(b *testing.B) {
	w := newWorld(b)
	exp := t0.Add(time.Hour)
	for i := range 1_000_000 {
		user := "alice"
		if i%2 == 1 {
			user = "bob"
		}
		w.l.NewAccess(user, "web", "", exp)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.l.Revoke(ctx, provider.TokenSelector{Username: "alice"}); err != nil {
			b.Fatal(err)
		}
		if _, err := w.l.Expire(ctx, provider.TokenSelector{ClientID: "web"}); err != nil {
			b.Fatal(err)
		}
	}
}
