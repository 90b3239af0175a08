package redis_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/redis"
)

// An announcement reaches every replica watching its topic in its
// namespace, the announcer included, and nobody else.
func TestWatchHearsAnnouncements(t *testing.T) {
	url := redistest.Start(t) + "?prefix=" + freshPrefix()
	clk := clock.NewFrozen(t0)
	a, b := open(t, url, clk), open(t, url, clk)
	var heardA, heardB, otherTopic, otherNS atomic.Int32
	watch := func(st store.Store, topic string, n *atomic.Int32) {
		sh, ok := st.(store.Shared)
		require.True(t, ok, "a Redis namespace is shared")
		require.NoError(t, sh.Watch(t.Context(), topic, func() { n.Add(1) }))
	}
	watch(a.Namespace("oidc"), "fixtures", &heardA)
	watch(b.Namespace("oidc"), "fixtures", &heardB)
	watch(b.Namespace("oidc"), "other", &otherTopic)
	watch(b.Namespace("dotypos"), "fixtures", &otherNS)

	require.NoError(t, a.Namespace("oidc").(store.Shared).Announce(t.Context(), "fixtures"))
	assert.Eventually(t, func() bool { return heardA.Load() == 1 && heardB.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	// An announcement on the watched topics, sent after the first, is
	// heard after it: once it is, the first had its chance to go astray.
	require.NoError(t, a.Namespace("oidc").(store.Shared).Announce(t.Context(), "other"))
	require.NoError(t, a.Namespace("dotypos").(store.Shared).Announce(t.Context(), "fixtures"))
	assert.Eventually(t, func() bool { return otherTopic.Load() == 1 && otherNS.Load() == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, int32(1), heardA.Load(), "no other topic or namespace reaches the watcher")
	assert.Equal(t, int32(1), heardB.Load())
}

// A watcher is called every recheck interval with nothing announced: the
// safety net for an announcement pub/sub lost.
func TestWatchRechecksWithoutAnnouncements(t *testing.T) {
	url := redistest.Start(t) + "?prefix=" + freshPrefix()
	b := open(t, url, clock.NewFrozen(t0), redis.WithWatchRecheck(20*time.Millisecond))
	var calls atomic.Int32
	require.NoError(t, b.Namespace("oidc").(store.Shared).Watch(t.Context(), "fixtures", func() { calls.Add(1) }))
	assert.Eventually(t, func() bool { return calls.Load() >= 3 }, 5*time.Second, 5*time.Millisecond)

	quiet := open(t, url, clock.NewFrozen(t0)) // the default: 10 s
	var none atomic.Int32
	require.NoError(t, quiet.Namespace("oidc").(store.Shared).Watch(t.Context(), "fixtures", func() { none.Add(1) }))
	time.Sleep(100 * time.Millisecond)
	assert.Zero(t, none.Load(), "not called without an announcement before its interval")
}
