package memory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend { return memory.New(clk) })
}

// Sweeping on every write and a cap that the suite never reaches must not
// change any guarantee.
func TestConformanceEagerSweep(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend {
		return memory.New(clk, memory.WithSweepEvery(1), memory.WithMaxEntries(1000))
	})
}

var t0 = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

const ns = "test"

func newBackend(t *testing.T, opts ...memory.Option) (*memory.Backend, store.Store, *clock.Controlled) {
	t.Helper()
	clk := clock.NewFrozen(t0)
	b := memory.New(clk, opts...)
	t.Cleanup(func() { assert.NoError(t, b.Close()) })
	return b, b.Namespace(ns), clk
}

func grant(family string) store.Grant {
	return store.Grant{FamilyID: family, ClientID: "client", Scopes: []string{"openid"}}
}

func refresh(family string, exp time.Time) store.RefreshRecord {
	return store.RefreshRecord{Grant: grant(family), IssuedAt: t0, ExpiresAt: exp}
}

// revoke marks key revoked until until.
func revoke(t *testing.T, st store.Store, key string, until time.Time) {
	t.Helper()
	_, err := st.Mark(t.Context(), key, store.MarkRevoked, until)
	require.NoError(t, err)
}

// isRevoked reports whether key is marked revoked.
func isRevoked(t *testing.T, st store.Store, key string) bool {
	t.Helper()
	level, err := st.ReadLiveness(t.Context(), []string{key}, nil, nil)
	require.NoError(t, err)
	return level == store.MarkRevoked
}

func keep(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil }

func TestCapHoldsForEveryKindOfEntry(t *testing.T) {
	const limit = 50
	b, st, clk := newBackend(t, memory.WithMaxEntries(limit))
	ctx := t.Context()
	full := 0
	for i := range 20 * limit {
		key := fmt.Sprint(i)
		exp := time.Time{}
		if i%3 == 0 {
			exp = clk.Now().Add(time.Duration(i%7) * time.Hour)
		}
		var err error
		switch i % 6 {
		case 0:
			err = st.PutCode(ctx, key, grant("f"+key), exp)
		case 1:
			_, err = st.ConsumeCode(ctx, fmt.Sprint(i-1), nil) // may be refused or born expired
			require.True(t, err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired), "%v", err)
			err = nil
		case 2:
			if err = st.IssueRefresh(ctx, key, refresh(fmt.Sprint("f", i%4), time.Time{})); err == nil {
				_, err = st.RotateRefresh(ctx, key, key+"-next", keep)
				require.NoError(t, err, "a rotation adds no live entry, so it never fails for room")
			}
		case 3:
			revoke(t, st, key, clk.Now().Add(time.Hour)) // marks are outside the cap
		case 4:
			err = st.PutRecord(ctx, key, []byte("v"), exp)
		case 5:
			clk.Advance(10 * time.Minute)
		}
		if err != nil {
			require.ErrorIs(t, err, store.ErrFull, "op %d", i)
			full++
		}
		require.LessOrEqual(t, b.Len(ns), limit, "after op %d", i)
	}
	assert.Positive(t, full, "never-expiring entries fill the namespace, and then writes are refused")
	assert.Equal(t, limit, b.Len(ns), "a full namespace stays full, not emptied")
}

func TestFullNamespace(t *testing.T) {
	ctx := context.Background()

	t.Run("live entries are refused room, never evicted", func(t *testing.T) {
		b, st, _ := newBackend(t, memory.WithMaxEntries(3))
		require.NoError(t, st.PutCode(ctx, "c", grant("f"), time.Time{}))
		require.NoError(t, st.IssueRefresh(ctx, "rt", refresh("fam", t0.Add(time.Hour))))
		require.NoError(t, st.PutRecord(ctx, "r", []byte("v"), t0.Add(time.Minute)))

		assert.ErrorIs(t, st.PutCode(ctx, "c2", grant("f"), time.Time{}), store.ErrFull)
		assert.ErrorIs(t, st.IssueRefresh(ctx, "rt2", refresh("fam2", time.Time{})), store.ErrFull)
		assert.ErrorIs(t, st.PutRecord(ctx, "r2", []byte("v"), time.Time{}), store.ErrFull)
		called := false
		err := st.UpdateRecord(ctx, "r3", func([]byte, bool) ([]byte, time.Time, error) {
			called = true
			return []byte("v"), time.Time{}, nil
		})
		assert.ErrorIs(t, err, store.ErrFull)
		assert.False(t, called, "a refused update never runs")
		require.NoError(t, st.PutRecord(ctx, "r", []byte("w"), time.Time{}), "replacing a record needs no room")

		assert.Equal(t, 3, b.Len(ns))
		_, err = st.LookupRefresh(ctx, "rt")
		assert.NoError(t, err)
		_, err = st.ConsumeCode(ctx, "c", nil)
		assert.NoError(t, err)
	})

	t.Run("replay history goes before anything is refused", func(t *testing.T) {
		b, st, _ := newBackend(t, memory.WithMaxEntries(10))
		for i := range 5 {
			require.NoError(t, st.PutCode(ctx, fmt.Sprint("spent-", i), grant("f"), t0.Add(time.Hour)))
			_, err := st.ConsumeCode(ctx, fmt.Sprint("spent-", i), nil)
			require.NoError(t, err)
		}
		require.NoError(t, st.IssueRefresh(ctx, "rt-0", refresh("fam", t0.Add(time.Hour))))
		for i := range 4 { // leaves rt-0..rt-3 retired, rt-4 active
			_, err := st.RotateRefresh(ctx, fmt.Sprint("rt-", i), fmt.Sprint("rt-", i+1), keep)
			require.NoError(t, err)
		}
		require.Equal(t, 10, b.Len(ns))

		for i := range 9 { // the nine spent entries make room for nine records
			require.NoError(t, st.PutRecord(ctx, fmt.Sprint("rec-", i), []byte("v"), time.Time{}))
		}
		assert.ErrorIs(t, st.PutRecord(ctx, "rec-9", []byte("v"), time.Time{}), store.ErrFull)
		assert.Equal(t, 10, b.Len(ns))
		_, err := st.LookupRefresh(ctx, "rt-4")
		assert.NoError(t, err)
		for i := range 5 {
			_, err := st.ConsumeCode(ctx, fmt.Sprint("spent-", i), nil)
			assert.ErrorIs(t, err, store.ErrNotFound, "replay history is what gave way")
		}
	})

	t.Run("a rotation at the cap drops the presented token's history", func(t *testing.T) {
		b, st, _ := newBackend(t, memory.WithMaxEntries(1))
		require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", t0.Add(time.Minute))))
		_, err := st.RotateRefresh(ctx, "rt-1", "rt-2", keep)
		require.NoError(t, err)
		_, err = st.LookupRefresh(ctx, "rt-2")
		assert.NoError(t, err)
		assert.Equal(t, 1, b.Len(ns))
		require.NoError(t, st.RevokeFamily(ctx, "fam"))
		_, err = st.LookupRefresh(ctx, "rt-2")
		assert.ErrorIs(t, err, store.ErrRevoked, "the family survived its first token's eviction")
	})

	t.Run("marks are never evicted", func(t *testing.T) {
		// The probe of issue 11: a flood past the cap revived a token
		// revoked before it.
		b, st, _ := newBackend(t, memory.WithMaxEntries(4))
		revoke(t, st, "jti:victim", t0.Add(time.Hour))
		_, err := st.Mark(ctx, "x:expired", store.MarkExpired, t0.Add(time.Hour))
		require.NoError(t, err)
		_, err = st.RaiseCutoff(ctx, "user:alice", 7)
		require.NoError(t, err)
		for i := range 1000 {
			err := st.PutCode(ctx, fmt.Sprint(i), grant("f"), t0.Add(time.Minute))
			require.True(t, err == nil || errors.Is(err, store.ErrFull), "%v", err)
			_, _ = st.ConsumeCode(ctx, fmt.Sprint(i), nil)
		}
		assert.Equal(t, 4, b.Len(ns))
		cut := make([]uint64, 1)
		level, err := st.ReadLiveness(ctx, []string{"jti:victim", "x:expired"}, []string{"user:alice"}, cut)
		require.NoError(t, err)
		assert.Equal(t, store.MarkRevoked, level)
		assert.Equal(t, uint64(7), cut[0])
		assert.Equal(t, 2, b.MarksLen(ns))
	})

	t.Run("a revocation always succeeds at the cap", func(t *testing.T) {
		b, st, _ := newBackend(t, memory.WithMaxEntries(1))
		require.NoError(t, st.PutRecord(ctx, "r", []byte("v"), time.Time{}))
		require.NoError(t, st.RevokeFamily(ctx, "fam"), "a tombstone may pass the cap")
		assert.Equal(t, 2, b.Len(ns))
		assert.ErrorIs(t, st.IssueRefresh(ctx, "rt", refresh("fam", time.Time{})), store.ErrRevoked)
	})
}

func TestMarksOutliveAMovedClock(t *testing.T) {
	wall := clock.NewFrozen(t0)
	b, st, clk := newBackend(t, memory.WithSweepEvery(1), memory.WithWallClock(wall))

	revoke(t, st, "jti:a", t0.Add(time.Hour))
	clk.Advance(2 * time.Hour)
	b.SweepAll()
	assert.Equal(t, 1, b.MarksLen(ns), "the admin clock alone cannot end a mark")
	clk.Advance(-2 * time.Hour)
	b.SweepAll()
	revoked := isRevoked(t, st, "jti:a")
	assert.True(t, revoked, "moving the clock forward, sweeping and back does not revive the token")

	wall.Advance(2 * time.Hour)
	b.SweepAll()
	assert.Equal(t, 1, b.MarksLen(ns), "nor can the wall clock alone, while the admin clock is before until")
	clk.Advance(time.Hour)
	b.SweepAll()
	assert.Zero(t, b.MarksLen(ns), "past until on both clocks, the mark is forgotten")
}

func TestMarkLevels(t *testing.T) {
	ctx := context.Background()
	_, st, _ := newBackend(t)
	for _, tc := range []struct {
		level, want uint8
		until       time.Time
	}{
		{store.MarkExpired, store.MarkNone, t0.Add(time.Hour)},
		{store.MarkExpired, store.MarkExpired, t0.Add(time.Minute)},
		{store.MarkRevoked, store.MarkExpired, t0.Add(time.Minute)},
		{store.MarkExpired, store.MarkRevoked, t0.Add(time.Hour)},
	} {
		before, err := st.Mark(ctx, "k", tc.level, tc.until)
		require.NoError(t, err)
		assert.Equal(t, tc.want, before)
	}
	level, err := st.ReadLiveness(ctx, []string{"k"}, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, store.MarkRevoked, level, "a level is never lowered")
}

func TestTimerSweep(t *testing.T) {
	ctx := context.Background()
	b, st, clk := newBackend(t, memory.WithSweepInterval(5*time.Millisecond))
	for i := range 100 {
		require.NoError(t, st.PutRecord(ctx, fmt.Sprint(i), []byte("v"), t0.Add(time.Minute)))
	}
	clk.Advance(time.Hour)
	assert.Eventually(t, func() bool { return b.Len(ns) == 0 }, 5*time.Second, 5*time.Millisecond,
		"an idle namespace is swept without any write")
}

func TestSweep(t *testing.T) {
	ctx := context.Background()

	t.Run("expired entries of every kind are purged", func(t *testing.T) {
		b, st, clk := newBackend(t, memory.WithSweepEvery(1))
		exp := t0.Add(time.Minute)
		require.NoError(t, st.PutCode(ctx, "code", grant("f"), exp))
		require.NoError(t, st.PutCode(ctx, "consumed", grant("f"), exp))
		_, err := st.ConsumeCode(ctx, "consumed", nil)
		require.NoError(t, err)
		require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", exp)))
		_, err = st.RotateRefresh(ctx, "rt-1", "rt-2", keep)
		require.NoError(t, err)
		revoke(t, st, "jti", exp)
		require.NoError(t, st.PutRecord(ctx, "rec", []byte("v"), exp))
		require.NoError(t, st.PutRecord(ctx, "forever", []byte("v"), time.Time{}))
		require.Equal(t, 6, b.Len(ns))

		clk.Set(exp)
		require.NoError(t, st.DeleteRecord(ctx, "nothing")) // any write sweeps
		assert.Equal(t, 1, b.Len(ns))
		_, err = st.ConsumeCode(ctx, "consumed", nil)
		assert.ErrorIs(t, err, store.ErrNotFound, "a consumed code is purged once expired")
		_, err = st.LookupRefresh(ctx, "rt-1")
		assert.ErrorIs(t, err, store.ErrNotFound, "a retired token is purged once expired")
	})

	t.Run("replay history is kept until it expires", func(t *testing.T) {
		_, st, clk := newBackend(t, memory.WithSweepEvery(1))
		require.NoError(t, st.PutCode(ctx, "code", grant("f"), t0.Add(time.Hour)))
		_, err := st.ConsumeCode(ctx, "code", nil)
		require.NoError(t, err)
		require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", t0.Add(time.Hour))))
		_, err = st.RotateRefresh(ctx, "rt-1", "rt-2", keep)
		require.NoError(t, err)

		clk.Set(t0.Add(time.Hour - time.Nanosecond))
		require.NoError(t, st.DeleteRecord(ctx, "nothing"))
		_, err = st.ConsumeCode(ctx, "code", nil)
		assert.ErrorIs(t, err, store.ErrConsumed)
		_, err = st.LookupRefresh(ctx, "rt-1")
		assert.ErrorIs(t, err, store.ErrReused)
	})

	t.Run("sweeping is amortised over writes", func(t *testing.T) {
		b, st, clk := newBackend(t, memory.WithSweepEvery(8))
		for i := range 5 {
			require.NoError(t, st.PutCode(ctx, fmt.Sprint(i), grant("f"), t0.Add(time.Minute)))
		}
		clk.Advance(time.Hour)
		for i := range 2 {
			require.NoError(t, st.PutRecord(ctx, fmt.Sprint(i), []byte("v"), time.Time{}))
		}
		assert.Equal(t, 7, b.Len(ns), "7 writes: not swept yet")
		require.NoError(t, st.PutRecord(ctx, "2", []byte("v"), time.Time{}))
		assert.Equal(t, 3, b.Len(ns), "the 8th write swept")
	})

	t.Run("a full namespace sweeps before it evicts", func(t *testing.T) {
		b, st, clk := newBackend(t, memory.WithMaxEntries(4))
		require.NoError(t, st.PutCode(ctx, "expiring", grant("f"), t0.Add(time.Minute)))
		for i := range 3 {
			require.NoError(t, st.PutRecord(ctx, fmt.Sprint(i), []byte("v"), time.Time{}))
		}
		clk.Advance(time.Hour)
		require.NoError(t, st.PutRecord(ctx, "3", []byte("v"), time.Time{}))
		assert.Equal(t, 4, b.Len(ns))
		for i := range 4 {
			_, err := st.GetRecord(ctx, fmt.Sprint(i))
			assert.NoError(t, err, "record %d", i)
		}
	})

	t.Run("a revoked family is forgotten with its last token", func(t *testing.T) {
		b, st, clk := newBackend(t, memory.WithSweepEvery(1))
		require.NoError(t, st.IssueRefresh(ctx, "rt", refresh("fam", t0.Add(time.Minute))))
		require.NoError(t, st.RevokeFamily(ctx, "fam"))
		clk.Advance(time.Hour)
		require.NoError(t, st.DeleteRecord(ctx, "nothing"))
		assert.Equal(t, 0, b.Len(ns))
		assert.NoError(t, st.IssueRefresh(ctx, "rt-new", refresh("fam", time.Time{})),
			"no token of the family could be presented any more, so its revocation is gone")
	})
}

// Behaviour that package store leaves open and this backend settles.
func TestChoices(t *testing.T) {
	ctx := context.Background()

	t.Run("an entry is expired from the instant of its expiry", func(t *testing.T) {
		_, st, clk := newBackend(t)
		exp := t0.Add(time.Minute)
		require.NoError(t, st.PutCode(ctx, "code", grant("f"), exp))
		require.NoError(t, st.IssueRefresh(ctx, "rt", refresh("fam", exp)))
		require.NoError(t, st.PutRecord(ctx, "rec", []byte("v"), exp))
		revoke(t, st, "jti", exp)

		clk.Set(exp)
		_, err := st.ConsumeCode(ctx, "code", nil)
		assert.ErrorIs(t, err, store.ErrExpired)
		_, err = st.LookupRefresh(ctx, "rt")
		assert.ErrorIs(t, err, store.ErrExpired)
		_, err = st.GetRecord(ctx, "rec")
		assert.ErrorIs(t, err, store.ErrExpired)
		revoked := isRevoked(t, st, "jti")
		assert.False(t, revoked)
	})

	t.Run("expiry is judged before consumption and retirement", func(t *testing.T) {
		_, st, clk := newBackend(t)
		require.NoError(t, st.PutCode(ctx, "code", grant("f"), t0.Add(time.Minute)))
		_, err := st.ConsumeCode(ctx, "code", nil)
		require.NoError(t, err)
		require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", t0.Add(time.Minute))))
		_, err = st.RotateRefresh(ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
			r.ExpiresAt = time.Time{}
			return r, nil
		})
		require.NoError(t, err)

		clk.Advance(time.Hour)
		_, err = st.ConsumeCode(ctx, "code", nil)
		assert.ErrorIs(t, err, store.ErrExpired)
		_, err = st.RotateRefresh(ctx, "rt-1", "rt-x", keep)
		assert.ErrorIs(t, err, store.ErrExpired)
		_, err = st.LookupRefresh(ctx, "rt-2")
		assert.NoError(t, err, "an expired replay does not revoke the family")
	})

	t.Run("reuse and revocation come with the presented record", func(t *testing.T) {
		_, st, _ := newBackend(t)
		require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", time.Time{})))
		_, err := st.RotateRefresh(ctx, "rt-1", "rt-2", keep)
		require.NoError(t, err)

		got, err := st.LookupRefresh(ctx, "rt-1")
		assert.ErrorIs(t, err, store.ErrReused)
		assert.Equal(t, refresh("fam", time.Time{}), got)
		got, err = st.RotateRefresh(ctx, "rt-1", "rt-x", keep)
		assert.ErrorIs(t, err, store.ErrReused)
		assert.Equal(t, "fam", got.Grant.FamilyID, "so the caller can revoke the family's access tokens")
		got, err = st.LookupRefresh(ctx, "rt-2")
		assert.ErrorIs(t, err, store.ErrRevoked)
		assert.Equal(t, "fam", got.Grant.FamilyID)
	})

	t.Run("issuing into a revoked family is ErrRevoked", func(t *testing.T) {
		b, st, _ := newBackend(t)
		// A code replay can revoke the family before the first redemption
		// has issued its refresh token; that token must not come out alive.
		require.NoError(t, st.RevokeFamily(ctx, "fam"))
		assert.Equal(t, 1, b.Len(ns), "the tombstone is an entry")
		assert.ErrorIs(t, st.IssueRefresh(ctx, "rt", refresh("fam", time.Time{})), store.ErrRevoked)
		_, err := st.LookupRefresh(ctx, "rt")
		assert.ErrorIs(t, err, store.ErrNotFound)

		require.NoError(t, st.IssueRefresh(ctx, "other-1", refresh("other", time.Time{})))
		_, err = st.RevokeRefresh(ctx, "other-1")
		require.NoError(t, err)
		assert.ErrorIs(t, st.IssueRefresh(ctx, "other-2", refresh("other", time.Time{})), store.ErrRevoked)
	})

	t.Run("an expired entry no longer holds its name", func(t *testing.T) {
		_, st, clk := newBackend(t)
		require.NoError(t, st.PutCode(ctx, "code", grant("f"), t0.Add(time.Minute)))
		require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", t0.Add(time.Minute))))
		require.NoError(t, st.IssueRefresh(ctx, "rt-2", refresh("fam", time.Time{})))
		require.NoError(t, st.IssueRefresh(ctx, "other", refresh("fam-2", t0.Add(time.Minute))))
		clk.Advance(time.Hour)

		assert.NoError(t, st.PutCode(ctx, "code", grant("f"), time.Time{}))
		assert.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", time.Time{})))
		_, err := st.RotateRefresh(ctx, "rt-2", "other", keep)
		assert.NoError(t, err)
		got, err := st.LookupRefresh(ctx, "other")
		require.NoError(t, err)
		assert.Equal(t, "fam", got.Grant.FamilyID)
	})

	t.Run("a zero until revokes forever; a past one is not kept", func(t *testing.T) {
		b, st, clk := newBackend(t)
		revoke(t, st, "forever", time.Time{})
		revoke(t, st, "forever", t0.Add(time.Minute))
		revoke(t, st, "past", t0.Add(-time.Minute))
		assert.Equal(t, 1, b.MarksLen(ns))
		clk.Advance(100 * 365 * 24 * time.Hour)
		revoked := isRevoked(t, st, "forever")
		assert.True(t, revoked)
	})

	t.Run("an empty record is not a missing one", func(t *testing.T) {
		_, st, _ := newBackend(t)
		require.NoError(t, st.PutRecord(ctx, "k", nil, time.Time{}))
		v, err := st.GetRecord(ctx, "k")
		require.NoError(t, err)
		assert.NotNil(t, v)
		assert.Empty(t, v)
	})

	t.Run("a cancelled context is refused", func(t *testing.T) {
		b, st, _ := newBackend(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		assert.ErrorIs(t, st.PutCode(cctx, "code", grant("f"), time.Time{}), context.Canceled)
		_, err := st.ConsumeCode(cctx, "code", nil)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, b.Reset(cctx, ns), context.Canceled)
		assert.Equal(t, 0, b.Len(ns))
	})
}
