// Package clock is the only place authmock reads the wall clock. Everything
// that stamps or checks a time (token iat/exp, code and refresh expiry, store
// TTLs) takes a Clock, so tests and the admin API can freeze or move time for
// every provider at once.
package clock

import (
	"sync"
	"sync/atomic"
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

	// mu orders changes; reading holds the setting in force, which Now
	// reads without the lock (it runs several times on every request).
	mu      sync.Mutex
	reading atomic.Pointer[reading]

	// startFrozen and startAt are the state Reset returns to.
	startFrozen bool
	startAt     time.Time

	// shared, when set, holds the setting for every replica (shared.go);
	// version is the shared setting's the clock has.
	shared        Shared
	onSharedError func(error)
	version       uint64
}

// reading is a Controlled clock's setting: frozen at at, or running at
// offset from the base clock. A new one replaces it on every change.
type reading struct {
	frozen bool
	at     time.Time     // the instant shown while frozen
	offset time.Duration // added to base.Now() while running
}

// NewControlled returns a running clock that starts equal to base.
func NewControlled(base Clock) *Controlled {
	if base == nil {
		base = System{}
	}
	c := &Controlled{base: base}
	c.reading.Store(&reading{})
	return c
}

// NewFrozen returns a clock frozen at t, following the system clock once
// unfrozen.
func NewFrozen(t time.Time) *Controlled {
	c := NewControlled(System{})
	c.reading.Store(&reading{frozen: true, at: t})
	c.startFrozen, c.startAt = true, t
	return c
}

// Now returns the controlled time.
func (c *Controlled) Now() time.Time {
	r := c.reading.Load()
	if r.frozen {
		return r.at
	}
	return c.base.Now().Add(r.offset)
}

// setLocked puts s's setting in force; c.mu is held.
func (c *Controlled) setLocked(s State) {
	c.reading.Store(&reading{frozen: s.Frozen, at: s.At, offset: s.Offset})
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
	return c.reading.Load().frozen
}

// Reset returns the clock to the state it was created in: following its
// base with no offset, or frozen at the instant given to NewFrozen.
func (c *Controlled) Reset() {
	c.update(func(s State) State {
		s.Offset, s.Frozen, s.At = 0, c.startFrozen, c.startAt
		return s
	})
}
