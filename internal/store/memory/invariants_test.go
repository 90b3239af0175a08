package memory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

// TestBookkeepingInvariants drives one small, crowded namespace through a
// random mix of operations, clock moves and resets, and checks after every
// step that the maps, the heaps and the family counts agree. The public
// tests see behaviour; this sees the leaks and dangling pointers that
// behaviour would show only much later.
func TestBookkeepingInvariants(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			clk := clock.NewFrozen(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			wall := clock.NewFrozen(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			b := New(clk, WithMaxEntries(16), WithSweepEvery(3), WithWallClock(wall), WithSweepInterval(0))
			ns := b.namespace("n")
			rng := rand.New(rand.NewPCG(seed, seed))
			ctx := context.Background()
			key := func(prefix string) string { return fmt.Sprint(prefix, rng.IntN(12)) }
			// Families are named both ways keys.go keeps them; grants come
			// from a few principals, so that interning is exercised.
			family := func() string {
				n := rng.IntN(12)
				if n%2 == 0 {
					return fmt.Sprintf("%032x", n)
				}
				return fmt.Sprint("f", n)
			}
			grant := func() store.Grant {
				return store.Grant{FamilyID: family(), ClientID: key("client")[:7], Scopes: []string{"openid", key("s")}[:1+rng.IntN(2)]}
			}
			exp := func() time.Time {
				if rng.IntN(4) == 0 {
					return time.Time{}
				}
				return clk.Now().Add(time.Duration(rng.IntN(120)) * time.Minute)
			}
			for step := range 3000 {
				var err error
				switch op := rng.IntN(14); op {
				case 0:
					err = ns.PutCode(ctx, key("c"), grant(), exp())
				case 1:
					_, err = ns.ConsumeCode(ctx, key("c"), nil)
				case 2, 3:
					err = ns.IssueRefresh(ctx, key("t"), store.RefreshRecord{Grant: grant(), ExpiresAt: exp()})
				case 4, 5:
					_, err = ns.RotateRefresh(ctx, key("t"), key("t"), func(r store.RefreshRecord) (store.RefreshRecord, error) {
						r.ExpiresAt = exp()
						if rng.IntN(3) == 0 {
							r.Grant = grant() // the family stays; the grant changes
						}
						return r, nil
					})
				case 6:
					_, err = ns.RevokeRefresh(ctx, key("t"))
				case 7:
					err = ns.RevokeFamily(ctx, family())
				case 8:
					_, err = ns.Mark(ctx, key("j"), uint8(1+rng.IntN(2)), exp())
				case 9:
					err = ns.PutRecord(ctx, key("r"), []byte("v"), exp())
				case 10:
					err = ns.UpdateRecord(ctx, key("r"), func(old []byte, found bool) ([]byte, time.Time, error) {
						if rng.IntN(3) == 0 {
							return nil, time.Time{}, nil
						}
						return append(old, 'x'), exp(), nil
					})
				case 11:
					err = ns.DeleteRecord(ctx, key("r"))
				case 12:
					// Now and then back, as the admin API may; the wall
					// clock only moves forward.
					clk.Advance(time.Duration(rng.IntN(50)-10) * time.Minute)
					wall.Advance(time.Duration(rng.IntN(30)) * time.Minute)
				case 13:
					if rng.IntN(50) == 0 {
						err = b.Reset(ctx, "n")
					}
				}
				if err != nil && !isStoreError(err) {
					t.Fatalf("step %d: unexpected error %v", step, err)
				}
				checkInvariants(t, ns, step)
			}
		})
	}
}

func isStoreError(err error) bool {
	for _, e := range []error{store.ErrNotFound, store.ErrExpired, store.ErrConsumed, store.ErrReused, store.ErrRevoked, store.ErrExists, store.ErrFull} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func checkInvariants(t *testing.T, ns *namespace, step int) {
	t.Helper()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	at := fmt.Sprintf("step %d", step)

	checkHeap(t, at, ns.live, false)
	checkHeap(t, at, ns.spent, true)
	checkHeap(t, at, ns.liveTokens, false)
	checkHeap(t, at, ns.spentTokens, true)
	inItemHeap := func(it *item) {
		h := ns.itemHeap(it)
		require.True(t, it.idx >= 0 && int(it.idx) < len(*h) && (*h)[it.idx] == it, "%s: %q not in its heap", at, it.key)
	}

	tombs := 0
	for _, it := range ns.live {
		if it.kind == kindFamily {
			tombs++
			f, _ := ns.families.get(hashKey([]byte(it.key)))
			require.NotNil(t, f, "%s: a tombstone without its family", at)
			require.True(t, f.tomb, at)
		}
	}
	tombFamilies := 0
	for f := range ns.families.all() {
		got, _ := ns.families.get(f.key)
		require.Same(t, f, got, "%s: family %q not found by its key", at, f.id())
		fk, named := ns.salt.familyKey(f.id())
		require.Equal(t, f.key, fk, "%s: family %q keyed by its id", at, f.id())
		require.Equal(t, named, f.name != nil, at)
		if f.tomb {
			tombFamilies++
			require.True(t, f.revoked, "%s: live tombstone %q", at, f.id())
			require.Zero(t, f.tokens, "%s: tombstone %q with tokens", at, f.id())
		} else {
			require.Positive(t, f.tokens, "%s: empty family %q leaked", at, f.id())
		}
		if f.newest != nil {
			got, _ := ns.tokens.get(f.newest.key)
			require.Same(t, f.newest, got, "%s: family %q's newest token is gone", at, f.id())
		}
	}
	require.Equal(t, tombs, tombFamilies, "%s: tombstones vs tombstoned families", at)
	perFamily := map[*family]int{}
	perPrincipal := map[*principal]int{}
	ntokens := 0
	for e := range ns.tokens.all() {
		ntokens++
		got, _ := ns.tokens.get(e.key)
		require.Same(t, e, got, "%s: token not found by its key", at)
		fam, _ := ns.families.get(e.fam.key)
		require.Same(t, fam, e.fam, "%s: token names a dropped family", at)
		require.Same(t, ns.principals[e.g.who.key], e.g.who, "%s: token names a forgotten principal", at)
		perFamily[e.fam]++
		perPrincipal[e.g.who]++
		h := &ns.liveTokens
		if e.spent {
			h = &ns.spentTokens
		}
		require.True(t, e.idx >= 0 && int(e.idx) < len(*h) && (*h)[e.idx] == e, "%s: token not in its heap", at)
	}
	require.Equal(t, ntokens, ns.tokens.len(), "%s: token index count", at)
	for f, n := range perFamily {
		require.Equal(t, n, int(f.tokens), "%s: family %q count", at, f.id())
	}
	require.Len(t, ns.principals, len(perPrincipal), "%s: principals no token names are kept", at)
	for p, n := range perPrincipal {
		require.Equal(t, n, p.refs, "%s: principal %v references", at, p.key)
	}
	for k, e := range ns.codes {
		require.Equal(t, k, e.key, at)
		inItemHeap(&e.item)
	}
	for k, m := range ns.marks {
		require.Equal(t, k, m.key, at)
		if m.until.IsZero() {
			require.Equal(t, -1, m.idx, "%s: a forever mark %q in a heap", at, k)
			continue
		}
		h := &ns.markClock
		if m.waitingWall {
			h = &ns.markWall
		}
		require.True(t, m.idx >= 0 && m.idx < h.len() && h.items[m.idx] == m, "%s: mark %q not in its heap", at, k)
	}
	for _, h := range []*markHeap{&ns.markClock, &ns.markWall} {
		for i, m := range h.items {
			require.Equal(t, i, m.idx, "%s: mark heap index", at)
			require.Same(t, ns.marks[m.key], m, "%s: heap holds a forgotten mark", at)
			if i > 0 {
				require.False(t, h.less(i, (i-1)/2), "%s: mark heap order at %d", at, i)
			}
		}
	}
	for k, e := range ns.records {
		require.Equal(t, k, e.key, at)
		require.NotNil(t, e.value, at)
		inItemHeap(&e.item)
	}
	require.Equal(t, len(ns.codes)+ntokens+len(ns.records)+tombs, ns.len(), "%s: entries vs heaps", at)
	require.LessOrEqual(t, ns.len()-tombs, ns.cfg.maxEntries, "%s: only tombstones may pass the cap", at)
}

func checkHeap[E interface{ at() *slot }](t *testing.T, at string, h entryHeap[E], spent bool) {
	t.Helper()
	for i, e := range h {
		s := e.at()
		require.Equal(t, i, int(s.idx), "%s: heap index", at)
		require.Equal(t, spent, s.spent, "%s: entry %d in the wrong heap", at, i)
		if i > 0 {
			require.False(t, before(s, h[(i-1)/2].at()), "%s: heap order at %d", at, i)
		}
	}
}
