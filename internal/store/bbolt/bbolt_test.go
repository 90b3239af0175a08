package bbolt_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/bbolt"
	"github.com/authmock/authmock/internal/store/storetest"
)

// The suite runs without fsync: the guarantees it checks come from bbolt's
// transactions, not from syncing, and 64-way races over fsync take
// minutes on a shared disk. TestReopen keeps the default (synced) mode.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend {
		b, err := bbolt.Open(filepath.Join(t.TempDir(), "authmock.db"), clk, bbolt.WithNoSync())
		require.NoError(t, err)
		return b
	})
}

// Sweeping on every write must not change any guarantee.
func TestConformanceEagerSweep(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend {
		b, err := bbolt.Open(filepath.Join(t.TempDir(), "authmock.db"), clk, bbolt.WithNoSync(), bbolt.WithSweepEvery(1))
		require.NoError(t, err)
		return b
	})
}

var t0 = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

func open(t *testing.T, path string, clk clock.Clock, opts ...bbolt.Option) *bbolt.Backend {
	t.Helper()
	b, err := bbolt.Open(path, clk, append([]bbolt.Option{bbolt.WithSweepInterval(0)}, opts...)...)
	require.NoError(t, err)
	return b
}

func refresh(family string, exp time.Time) store.RefreshRecord {
	return store.RefreshRecord{
		Grant:    store.Grant{FamilyID: family, ClientID: "client", Subject: "alice", Scopes: []string{"openid"}, Seq: 1<<63 + 7},
		IssuedAt: t0, ExpiresAt: exp,
		Access: []store.AccessStamp{{Seq: 1<<62 + 3, Exp: t0.Add(time.Hour).Unix()}},
	}
}

func TestReopenKeepsState(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "authmock.db")
	clk := clock.NewFrozen(t0)

	b := open(t, path, clk)
	st := b.Namespace("oidc")
	require.NoError(t, st.IssueRefresh(ctx, "rt-1", refresh("fam", t0.Add(24*time.Hour))))
	require.NoError(t, st.PutCode(ctx, "code-1", store.Grant{FamilyID: "fam2", ClientID: "client"}, t0.Add(time.Minute)))
	_, err := st.Mark(ctx, "a:1", store.MarkRevoked, t0.Add(time.Hour))
	require.NoError(t, err)
	_, err = st.RaiseCutoff(ctx, "u:alice", 42)
	require.NoError(t, err)
	require.NoError(t, st.PutRecord(ctx, "dotypos:rt", []byte("cloud-1"), time.Time{}))
	require.NoError(t, b.Close())

	b = open(t, path, clk)
	defer func() { assert.NoError(t, b.Close()) }()
	st = b.Namespace("oidc")
	want := refresh("fam", t0.Add(24*time.Hour))
	got, err := st.RotateRefresh(ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil })
	require.NoError(t, err, "a refresh token issued before the restart still rotates")
	assert.Equal(t, want, got, "uint64 sequence numbers survive the encoding exactly")
	_, err = st.RotateRefresh(ctx, "rt-1", "rt-3", func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil })
	assert.ErrorIs(t, err, store.ErrReused)
	_, err = st.ConsumeCode(ctx, "code-1", nil)
	assert.NoError(t, err)
	cutoffs := make([]uint64, 1)
	level, err := st.ReadLiveness(ctx, []string{"a:1"}, []string{"u:alice"}, cutoffs)
	require.NoError(t, err)
	assert.Equal(t, store.MarkRevoked, level)
	assert.Equal(t, []uint64{42}, cutoffs)
	v, err := st.GetRecord(ctx, "dotypos:rt")
	require.NoError(t, err)
	assert.Equal(t, "cloud-1", string(v))
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authmock.db")
	clk := clock.NewFrozen(t0)
	b := open(t, path, clk)

	_, err := bbolt.Open(path, clk, bbolt.WithLockTimeout(100*time.Millisecond))
	require.ErrorIs(t, err, bbolt.ErrLocked)
	assert.Contains(t, err.Error(), path, "the error names the file")

	require.NoError(t, b.Close())
	b = open(t, path, clk) // Close released the lock
	require.NoError(t, b.Close())
}

func TestSweepDropsExpiredEntries(t *testing.T) {
	ctx := t.Context()
	clk := clock.NewFrozen(t0)
	b := open(t, filepath.Join(t.TempDir(), "authmock.db"), clk)
	defer func() { assert.NoError(t, b.Close()) }()
	st := b.Namespace("oidc")

	require.NoError(t, st.PutRecord(ctx, "r", []byte("v"), t0.Add(time.Minute)))
	require.NoError(t, st.PutCode(ctx, "code", store.Grant{FamilyID: "f0"}, t0.Add(time.Minute)))
	require.NoError(t, st.IssueRefresh(ctx, "rt", refresh("fam", t0.Add(time.Minute))))
	require.NoError(t, st.IssueRefresh(ctx, "keep", refresh("fam2", time.Time{})))

	clk.Set(t0.Add(time.Minute))
	_, err := st.GetRecord(ctx, "r")
	require.ErrorIs(t, err, store.ErrExpired, "expired but not yet swept")
	require.NoError(t, b.SweepAll())
	clk.Set(t0) // back: a swept entry does not come back
	_, err = st.GetRecord(ctx, "r")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.ConsumeCode(ctx, "code", nil)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.LookupRefresh(ctx, "rt")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.LookupFamily(ctx, "fam")
	assert.ErrorIs(t, err, store.ErrNotFound, "the family went with its last token")
	_, err = st.LookupRefresh(ctx, "keep")
	assert.NoError(t, err, "a never-expiring token is never swept")
}

// A mark is swept only once past until on the injected clock and past the
// same interval of real time, so moving the admin clock forward, sweeping
// and moving it back keeps a revoked token revoked.
func TestSweepKeepsMarksForBothClocks(t *testing.T) {
	ctx := t.Context()
	clk := clock.NewFrozen(t0)
	wall := clock.NewFrozen(t0.Add(-100 * time.Hour))
	b := open(t, filepath.Join(t.TempDir(), "authmock.db"), clk, bbolt.WithWallClock(wall))
	defer func() { assert.NoError(t, b.Close()) }()
	st := b.Namespace("oidc")
	_, err := st.Mark(ctx, "a:1", store.MarkRevoked, t0.Add(time.Hour))
	require.NoError(t, err)

	level := func() uint8 {
		l, err := st.ReadLiveness(ctx, []string{"a:1"}, nil, nil)
		require.NoError(t, err)
		return l
	}
	clk.Set(t0.Add(2 * time.Hour))
	require.NoError(t, b.SweepAll())
	clk.Set(t0)
	assert.Equal(t, store.MarkRevoked, level(), "kept: no real time has passed")

	wall.Advance(time.Hour)
	require.NoError(t, b.SweepAll())
	assert.Equal(t, store.MarkRevoked, level(), "kept: not yet past until on the injected clock")

	clk.Set(t0.Add(time.Hour))
	require.NoError(t, b.SweepAll())
	clk.Set(t0)
	assert.Equal(t, store.MarkNone, level(), "past both: swept")
}
