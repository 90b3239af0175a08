package redis_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/redistest"
)

func TestShareClock(t *testing.T) {
	url := redistest.Start(t) + "?prefix=" + freshPrefix()
	ctx := t.Context()
	a, b := clock.NewFrozen(t0), clock.NewFrozen(t0.Add(time.Hour))
	fail := func(err error) { t.Errorf("shared clock: %v", err) }
	require.NoError(t, open(t, url, a).ShareClock(ctx, a, fail))
	require.NoError(t, open(t, url, b).ShareClock(ctx, b, fail))
	assert.Equal(t, t0, b.Now(), "the second replica takes the first one's setting")

	seen := func(c *clock.Controlled, want time.Time) func() bool {
		return func() bool { return c.Now().Equal(want) }
	}
	a.Advance(time.Hour)
	assert.Equal(t, t0.Add(time.Hour), a.Now())
	assert.Eventually(t, seen(b, t0.Add(time.Hour)), 5*time.Second, 5*time.Millisecond, "an advance at A is seen at B")

	b.Unfreeze()
	assert.Eventually(t, func() bool { return !a.Frozen() }, 5*time.Second, 5*time.Millisecond, "an unfreeze at B is seen at A")
	b.Set(t0)
	b.Freeze()
	assert.Eventually(t, func() bool { return a.Frozen() && a.Now().Sub(t0) < time.Minute && !a.Now().Before(t0) },
		5*time.Second, 5*time.Millisecond)

	// Advances made at both at once all count: each is a compare-and-set.
	at := b.Now()
	race(64, func(i int) {
		[]*clock.Controlled{a, b}[i%2].Advance(time.Second)
	})
	want := at.Add(64 * time.Second)
	assert.Eventually(t, seen(a, want), 5*time.Second, 5*time.Millisecond)
	assert.Eventually(t, seen(b, want), 5*time.Second, 5*time.Millisecond)
}
