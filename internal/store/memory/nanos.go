package memory

import (
	"math"
	"time"
)

// Times are kept as Unix nanoseconds (8 bytes) rather than time.Time (24),
// since a million refresh tokens hold three each. They come back in UTC and
// without a monotonic reading, as they would from any store that encodes
// them; instants before 1678 or after 2262, which int64 nanoseconds cannot
// hold, are clamped to the nearest one that can.

// forever is the expiry of an entry that never expires: later than any
// other, so the heaps need no special case for it.
const forever = math.MaxInt64

// unset is how a zero time.Time that is not an expiry (IssuedAt, AuthTime)
// is kept.
const unset = math.MinInt64

var (
	firstNano = time.Unix(0, unset+1)
	lastNano  = time.Unix(0, forever-1)
)

// nanos converts a non-zero time, clamping it into (unset, forever).
func nanos(t time.Time) int64 {
	switch {
	case t.Before(firstNano):
		return unset + 1
	case t.After(lastNano):
		return forever - 1
	}
	return t.UnixNano()
}

// expiryOf keeps an expiry: zero is forever.
func expiryOf(t time.Time) int64 {
	if t.IsZero() {
		return forever
	}
	return nanos(t)
}

// expiryTime is the inverse of expiryOf.
func expiryTime(n int64) time.Time {
	if n == forever {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// instantOf keeps a time that may be zero.
func instantOf(t time.Time) int64 {
	if t.IsZero() {
		return unset
	}
	return nanos(t)
}

// instantTime is the inverse of instantOf.
func instantTime(n int64) time.Time {
	if n == unset {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// expired reports whether an entry expiring at exp is dead at now. An entry
// is dead from the instant of its expiry on, as a JWT's exp is.
func expired(now, exp int64) bool { return now >= exp }

// now reads the injected clock in nanoseconds.
func (ns *namespace) now() int64 { return nanos(ns.clk.Now()) }
