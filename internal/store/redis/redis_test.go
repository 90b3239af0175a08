package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/redis"
	"github.com/authmock/authmock/internal/store/storetest"
)

// Every backend of one test gets its own key prefix on one redis-server,
// so each starts empty without starting a server per subtest.
var prefixes atomic.Int64

func freshPrefix() string { return fmt.Sprintf("t%d:", prefixes.Add(1)) }

func TestConformance(t *testing.T) {
	url := redistest.Start(t)
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend {
		b, err := redis.Open(t.Context(), url+"?prefix="+freshPrefix(), clk)
		require.NoError(t, err)
		return b
	})
}

func TestConformanceEagerSweep(t *testing.T) {
	url := redistest.Start(t)
	storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend {
		b, err := redis.Open(t.Context(), url+"?prefix="+freshPrefix(), clk, redis.WithSweepEvery(1))
		require.NoError(t, err)
		return b
	})
}

var t0 = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

func open(t *testing.T, url string, clk clock.Clock, opts ...redis.Option) *redis.Backend {
	t.Helper()
	b, err := redis.Open(t.Context(), url, clk, append([]redis.Option{redis.WithSweepInterval(0)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, b.Close()) })
	return b
}

// Two backends on one prefix are two replicas: they see one state.
func TestReplicasShareState(t *testing.T) {
	url := redistest.Start(t) + "?prefix=" + freshPrefix()
	ctx := t.Context()
	clk := clock.NewFrozen(t0)
	a, b := open(t, url, clk).Namespace("oidc"), open(t, url, clk).Namespace("oidc")

	require.NoError(t, a.PutCode(ctx, "code", store.Grant{FamilyID: "fam", ClientID: "c"}, t0.Add(time.Minute)))
	_, err := b.ConsumeCode(ctx, "code", nil)
	require.NoError(t, err, "a code issued by A is redeemed at B")
	_, err = a.ConsumeCode(ctx, "code", nil)
	assert.ErrorIs(t, err, store.ErrConsumed)

	rec := store.RefreshRecord{Grant: store.Grant{FamilyID: "fam", ClientID: "c", Seq: 1<<63 + 5}, IssuedAt: t0,
		Access: []store.AccessStamp{{Seq: 1<<62 + 1, Exp: t0.Add(time.Hour).Unix()}}}
	require.NoError(t, a.IssueRefresh(ctx, "rt-1", rec))
	got, err := b.RotateRefresh(ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil })
	require.NoError(t, err)
	assert.Equal(t, rec, got, "sequence numbers above 2^53 survive Lua exactly")
	_, err = a.RotateRefresh(ctx, "rt-1", "rt-3", func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil })
	assert.ErrorIs(t, err, store.ErrReused, "reuse at A of a token rotated at B")
	_, err = b.LookupRefresh(ctx, "rt-2")
	assert.ErrorIs(t, err, store.ErrRevoked, "the reuse revoked the family for B too")

	_, err = a.RaiseCutoff(ctx, "u:alice", 1<<63+9)
	require.NoError(t, err)
	cutoffs := make([]uint64, 1)
	_, err = b.ReadLiveness(ctx, nil, []string{"u:alice"}, cutoffs)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1<<63 + 9}, cutoffs)
}

// Key prefixes keep two setups on one Redis apart, resets included.
func TestPrefixesIsolate(t *testing.T) {
	url := redistest.Start(t)
	ctx := t.Context()
	clk := clock.NewFrozen(t0)
	a, b := open(t, url+"?prefix=team-a:", clk), open(t, url+"?prefix=team-b:", clk)
	require.NoError(t, a.Namespace("oidc").PutRecord(ctx, "k", []byte("a"), time.Time{}))
	require.NoError(t, b.Namespace("oidc").PutRecord(ctx, "k", []byte("b"), time.Time{}))
	require.NoError(t, a.ResetAll(ctx))
	_, err := a.Namespace("oidc").GetRecord(ctx, "k")
	assert.ErrorIs(t, err, store.ErrNotFound)
	v, err := b.Namespace("oidc").GetRecord(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "b", string(v))
}

func TestSweepDropsExpiredEntriesAndKeepsMarksForBothClocks(t *testing.T) {
	url := redistest.Start(t) + "?prefix=" + freshPrefix()
	ctx := t.Context()
	clk := clock.NewFrozen(t0)
	wall := clock.NewFrozen(t0.Add(-100 * time.Hour))
	be := open(t, url, clk, redis.WithWallClock(wall))
	st := be.Namespace("oidc")
	require.NoError(t, st.PutRecord(ctx, "r", []byte("v"), t0.Add(time.Minute)))
	require.NoError(t, st.IssueRefresh(ctx, "rt", store.RefreshRecord{Grant: store.Grant{FamilyID: "fam"}, IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
	_, err := st.Mark(ctx, "a:1", store.MarkRevoked, t0.Add(time.Minute))
	require.NoError(t, err)

	clk.Set(t0.Add(time.Hour))
	require.NoError(t, be.SweepAll(ctx))
	clk.Set(t0)
	_, err = st.GetRecord(ctx, "r")
	assert.ErrorIs(t, err, store.ErrNotFound, "swept on authmock's clock, and not revived by moving it back")
	_, err = st.LookupFamily(ctx, "fam")
	assert.ErrorIs(t, err, store.ErrNotFound)
	level, err := st.ReadLiveness(ctx, []string{"a:1"}, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, store.MarkRevoked, level, "a mark waits for the wall clock too")

	wall.Advance(time.Hour)
	clk.Set(t0.Add(time.Hour))
	require.NoError(t, be.SweepAll(ctx))
	clk.Set(t0)
	level, err = st.ReadLiveness(ctx, []string{"a:1"}, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, store.MarkNone, level, "past both clocks: swept")
}

func TestUnreachableIsAClearErrorFast(t *testing.T) {
	url := "redis://127.0.0.1:1/0" // nothing listens on port 1
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := redis.Open(ctx, url, clock.NewFrozen(t0), redis.WithDialTimeout(200*time.Millisecond))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redis store redis://127.0.0.1:1/0 is not reachable")
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, addr, prefix, err string
		db                     int
	}{
		{url: "redis://127.0.0.1:6379/2?prefix=team-a:", addr: "127.0.0.1:6379", prefix: "team-a:", db: 2},
		{url: "redis://localhost:6380", addr: "localhost:6380"},
		{url: "http://localhost:6379", err: "the scheme must be redis:// or rediss://"},
		{url: "redis://localhost:6379/0?nope=1", err: "nope"},
	} {
		opts, prefix, err := redis.ParseURL(tc.url)
		if tc.err != "" {
			require.Error(t, err, tc.url)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err, tc.url)
		assert.Equal(t, tc.addr, opts.Addr)
		assert.Equal(t, tc.db, opts.DB)
		assert.Equal(t, tc.prefix, prefix)
	}
	assert.Equal(t, "redis://:xxxxx@h:1/0", redis.Redact("redis://:secret@h:1/0"))
}

// Across replicas there is no shared lock: the scripts alone must make one
// of 64 rotations split over two replicas win, and keep concurrent updates
// from losing increments.
func TestReplicasRace(t *testing.T) {
	url := redistest.Start(t) + "?prefix=" + freshPrefix()
	ctx := t.Context()
	clk := clock.NewFrozen(t0)
	replicas := []store.Store{open(t, url, clk).Namespace("oidc"), open(t, url, clk).Namespace("oidc")}
	require.NoError(t, replicas[0].IssueRefresh(ctx, "rt", store.RefreshRecord{Grant: store.Grant{FamilyID: "fam"}, IssuedAt: t0}))

	const n = 64
	errs := make([]error, n)
	race(n, func(i int) {
		_, errs[i] = replicas[i%2].RotateRefresh(ctx, "rt", fmt.Sprintf("next-%d", i), func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil })
	})
	wins := 0
	for i, err := range errs {
		if err == nil {
			wins++
			continue
		}
		assert.ErrorIs(t, err, store.ErrReused, "rotation %d", i)
	}
	assert.Equal(t, 1, wins)

	race(n, func(i int) {
		for range 5 {
			assert.NoError(t, replicas[i%2].UpdateRecord(ctx, "counter", func(old []byte, found bool) ([]byte, time.Time, error) {
				c := 0
				if found {
					_, _ = fmt.Sscan(string(old), &c)
				}
				return fmt.Append(nil, c+1), time.Time{}, nil
			}))
		}
	})
	v, err := replicas[0].GetRecord(ctx, "counter")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(n*5), string(v))
}

func race(n int, fn func(i int)) {
	start := make(chan struct{})
	done := make(chan struct{}, n)
	for i := range n {
		go func() {
			<-start
			fn(i)
			done <- struct{}{}
		}()
	}
	close(start)
	for range n {
		<-done
	}
}
