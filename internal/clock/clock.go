// Package clock is the only place authmock reads the wall clock. Everything
// that stamps or checks a time (token iat/exp, code and refresh expiry, store
// TTLs) takes a Clock, so tests and the admin API can freeze or move time for
// every provider at once.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the real wall clock.
type System struct{}

// Now returns time.Now.
func (System) Now() time.Time { return time.Now() }

// Controlled is a clock that follows a base clock at an offset, or stands
// still at a frozen instant. It is safe for concurrent use; the admin API and
// authmocktest drive it while handlers read it.
type Controlled struct {
	base Clock

	mu     sync.Mutex
	offset time.Duration // added to base.Now() while running
	frozen bool
	at     time.Time // the instant shown while frozen

	// startFrozen and startAt are the state Reset returns to.
	startFrozen bool
	startAt     time.Time

	// shared, when set, holds the setting for every replica (shared.go);
	// version is the shared setting's the clock has.
	shared        Shared
	onSharedError func(error)
	version       uint64
}

// NewControlled returns a running clock that starts equal to base.
func NewControlled(base Clock) *Controlled {
	if base == nil {
		base = System{}
	}
	return &Controlled{base: base}
}

// NewFrozen returns a clock frozen at t, following the system clock once
// unfrozen.
func NewFrozen(t time.Time) *Controlled {
	c := NewControlled(System{})
	c.frozen, c.at = true, t
	c.startFrozen, c.startAt = true, t
	return c
}

// Now returns the controlled time.
func (c *Controlled) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Controlled) nowLocked() time.Time {
	if c.frozen {
		return c.at
	}
	return c.base.Now().Add(c.offset)
}

// Set moves the clock to t, keeping it frozen or running as it was.
func (c *Controlled) Set(t time.Time) {
	c.update(func(s State) State {
		if s.Frozen {
			s.At = t
		} else {
			s.Offset = t.Sub(c.base.Now())
		}
		return s
	})
}

// Advance moves the clock by d (negative d moves it back).
func (c *Controlled) Advance(d time.Duration) {
	c.update(func(s State) State {
		if s.Frozen {
			s.At = s.At.Add(d)
		} else {
			s.Offset += d
		}
		return s
	})
}

// Freeze stops the clock at its current reading.
func (c *Controlled) Freeze() {
	c.update(func(s State) State {
		if !s.Frozen {
			s.At, s.Frozen = c.base.Now().Add(s.Offset), true
		}
		return s
	})
}

// Unfreeze lets the clock run again from the frozen reading.
func (c *Controlled) Unfreeze() {
	c.update(func(s State) State {
		if s.Frozen {
			s.Offset, s.Frozen = s.At.Sub(c.base.Now()), false
		}
		return s
	})
}

// Frozen reports whether the clock stands still.
func (c *Controlled) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}

// Reset returns the clock to the state it was created in: following its
// base with no offset, or frozen at the instant given to NewFrozen.
func (c *Controlled) Reset() {
	c.update(func(s State) State {
		s.Offset, s.Frozen, s.At = 0, c.startFrozen, c.startAt
		return s
	})
}
