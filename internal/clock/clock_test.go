package clock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
)

// fakeBase is a base clock the test moves by hand, standing in for the wall
// clock a Controlled follows while running.
type fakeBase struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeBase() *fakeBase {
	return &fakeBase{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (f *fakeBase) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeBase) tick(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

var _ clock.Clock = (*fakeBase)(nil)

var t0 = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func TestControlledFollowsBase(t *testing.T) {
	t.Parallel()
	base := newFakeBase()
	c := clock.NewControlled(base)
	require.False(t, c.Frozen())
	assert.Equal(t, base.Now(), c.Now())
	base.tick(90 * time.Second)
	assert.Equal(t, base.Now(), c.Now())
}

func TestControlledRunning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// act runs on a fresh clock whose base starts at base0.
		act  func(c *clock.Controlled, base *fakeBase)
		want func(base0 time.Time) time.Time
	}{
		{
			name: "Set jumps to the instant, then runs on",
			act: func(c *clock.Controlled, base *fakeBase) {
				c.Set(t0)
				base.tick(5 * time.Second)
			},
			want: func(time.Time) time.Time { return t0.Add(5 * time.Second) },
		},
		{
			name: "Set into the past",
			act: func(c *clock.Controlled, base *fakeBase) {
				c.Set(time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC))
				base.tick(time.Second)
			},
			want: func(time.Time) time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) },
		},
		{
			name: "Advance adds to the offset",
			act: func(c *clock.Controlled, base *fakeBase) {
				c.Advance(time.Hour)
				base.tick(time.Minute)
				c.Advance(30 * time.Minute)
			},
			want: func(b time.Time) time.Time { return b.Add(time.Hour + time.Minute + 30*time.Minute) },
		},
		{
			name: "negative Advance moves back",
			act: func(c *clock.Controlled, base *fakeBase) {
				c.Advance(-2 * time.Hour)
			},
			want: func(b time.Time) time.Time { return b.Add(-2 * time.Hour) },
		},
		{
			name: "Advance after Set",
			act: func(c *clock.Controlled, base *fakeBase) {
				c.Set(t0)
				c.Advance(10 * time.Minute)
				base.tick(time.Second)
			},
			want: func(time.Time) time.Time { return t0.Add(10*time.Minute + time.Second) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := newFakeBase()
			base0 := base.Now()
			c := clock.NewControlled(base)
			tc.act(c, base)
			assert.True(t, tc.want(base0).Equal(c.Now()), "want %v, got %v", tc.want(base0), c.Now())
			assert.False(t, c.Frozen(), "Set and Advance keep a running clock running")
		})
	}
}

func TestControlledFrozen(t *testing.T) {
	t.Parallel()
	base := newFakeBase()
	c := clock.NewControlled(base)
	c.Set(t0)
	c.Freeze()
	require.True(t, c.Frozen())

	base.tick(time.Hour)
	assert.Equal(t, t0, c.Now(), "a frozen clock ignores its base")

	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(t1)
	assert.Equal(t, t1, c.Now())
	c.Advance(2 * time.Minute)
	assert.Equal(t, t1.Add(2*time.Minute), c.Now())
	c.Advance(-time.Minute)
	assert.Equal(t, t1.Add(time.Minute), c.Now())
	base.tick(time.Hour)
	assert.Equal(t, t1.Add(time.Minute), c.Now())
	assert.True(t, c.Frozen(), "Set and Advance keep a frozen clock frozen")
}

func TestFreezeUnfreezeContinuity(t *testing.T) {
	t.Parallel()
	base := newFakeBase()
	c := clock.NewControlled(base)
	c.Advance(42 * time.Minute)
	reading := c.Now()

	c.Freeze()
	assert.Equal(t, reading, c.Now(), "Freeze stops at the current reading")
	base.tick(10 * time.Second)
	c.Freeze() // a second Freeze changes nothing
	assert.Equal(t, reading, c.Now())

	c.Unfreeze()
	require.False(t, c.Frozen())
	assert.True(t, reading.Equal(c.Now()), "Unfreeze resumes from the frozen reading, no jump: want %v, got %v", reading, c.Now())
	base.tick(3 * time.Second)
	assert.True(t, reading.Add(3*time.Second).Equal(c.Now()))

	c.Unfreeze() // Unfreeze of a running clock changes nothing
	assert.True(t, reading.Add(3*time.Second).Equal(c.Now()))
}

func TestResetNewControlled(t *testing.T) {
	t.Parallel()
	base := newFakeBase()
	c := clock.NewControlled(base)
	c.Set(t0)
	c.Advance(time.Hour)
	c.Freeze()
	base.tick(time.Minute)

	c.Reset()
	assert.False(t, c.Frozen(), "back to running")
	assert.Equal(t, base.Now(), c.Now(), "back to following the base with no offset")
	base.tick(time.Second)
	assert.Equal(t, base.Now(), c.Now())
}

func TestResetNewFrozen(t *testing.T) {
	t.Parallel()
	c := clock.NewFrozen(t0)
	require.True(t, c.Frozen())
	require.Equal(t, t0, c.Now())

	c.Advance(time.Hour)
	c.Set(time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC))
	c.Unfreeze()
	c.Advance(time.Minute)

	c.Reset()
	assert.True(t, c.Frozen())
	assert.Equal(t, t0, c.Now())

	c.Advance(time.Second)
	c.Reset()
	assert.Equal(t, t0, c.Now(), "Reset is repeatable")
}

// NewFrozen follows the system clock once unfrozen, starting from the
// frozen reading rather than jumping to the present.
func TestNewFrozenUnfreezeFollowsSystemFromReading(t *testing.T) {
	t.Parallel()
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clock.NewFrozen(past)
	c.Unfreeze()
	got := c.Now()
	assert.False(t, got.Before(past))
	assert.True(t, got.Before(past.Add(24*time.Hour)), "%v jumped away from the frozen reading", got)
}

func TestNewControlledNilBaseIsSystem(t *testing.T) {
	t.Parallel()
	c := clock.NewControlled(nil)
	before := clock.System{}.Now()
	got := c.Now()
	after := clock.System{}.Now()
	assert.False(t, got.Before(before))
	assert.False(t, got.After(after))
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	base := newFakeBase()
	c := clock.NewControlled(base)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 300 {
				switch (w + i) % 8 {
				case 0:
					c.Now()
				case 1:
					c.Advance(time.Second)
				case 2:
					c.Set(t0)
				case 3:
					c.Freeze()
				case 4:
					c.Unfreeze()
				case 5:
					c.Frozen()
				case 6:
					base.tick(time.Millisecond)
				case 7:
					if i%50 == 0 {
						c.Reset()
					}
				}
			}
		})
	}
	wg.Wait()
}

// Advance is atomic: concurrent steps add up exactly, frozen or running.
func TestConcurrentAdvanceAddsUp(t *testing.T) {
	t.Parallel()
	const workers, steps = 8, 250
	for _, frozen := range []bool{true, false} {
		base := newFakeBase()
		c := clock.NewControlled(base)
		c.Set(t0)
		if frozen {
			c.Freeze()
		}
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range steps {
					c.Advance(time.Second)
					c.Now()
				}
			})
		}
		wg.Wait()
		assert.True(t, t0.Add(workers*steps*time.Second).Equal(c.Now()), "frozen=%v: got %v", frozen, c.Now())
	}
}

func TestSequences(t *testing.T) {
	wall := clock.NewFrozen(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	for name, seq := range map[string]clock.Sequence{"hybrid": clock.NewHybridSequence(wall), "counter": clock.NewCounterSequence()} {
		t.Run(name, func(t *testing.T) {
			const n, goroutines = 1000, 8
			got := make([][]uint64, goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					prev := uint64(0)
					for range n {
						v := seq.Next()
						if v <= prev {
							t.Errorf("not increasing: %d after %d", v, prev)
						}
						prev = v
						got[g] = append(got[g], v)
					}
				})
			}
			wg.Wait()
			seen := map[uint64]bool{}
			for _, vs := range got {
				for _, v := range vs {
					if seen[v] {
						t.Fatalf("%d handed out twice", v)
					}
					seen[v] = true
				}
			}
		})
	}
	t.Run("hybrid follows the wall clock forward, never back", func(t *testing.T) {
		seq := clock.NewHybridSequence(wall)
		a := seq.Next()
		if want := uint64(wall.Now().UnixNano()); a != want {
			t.Fatalf("first = %d, want the wall clock's %d", a, want)
		}
		wall.Advance(-time.Hour)
		if b := seq.Next(); b != a+1 {
			t.Fatalf("after the wall clock went back: %d, want %d", b, a+1)
		}
		wall.Advance(2 * time.Hour)
		if c := seq.Next(); c != uint64(wall.Now().UnixNano()) {
			t.Fatalf("got %d, want the wall clock again", c)
		}
	})
}
