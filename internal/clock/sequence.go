package clock

import "sync/atomic"

// Sequence hands out issuance sequence numbers: every call to Next returns
// a number greater than every number returned before, by any goroutine.
//
// The token lifecycle (internal/lifecycle) stamps each token with one, and
// revokes "everything of alice's issued so far" as a cut-off on it. Time
// cannot serve: on a frozen clock a token issued right after a revoke has
// the same iat as one revoked by it.
type Sequence interface {
	Next() uint64
}

// hybrid is a hybrid logical clock: the wall clock's nanoseconds, bumped
// by one when that would not increase. It keeps increasing across restarts
// (a store that outlives the process keeps cut-offs meaningful), and
// processes sharing a store on one machine agree on its order.
type hybrid struct {
	wall Clock
	last atomic.Uint64
}

// NewHybridSequence returns a Sequence following wall's nanoseconds. The
// admin API never moves wall: pass System (or a fake in tests), never the
// controlled clock.
func NewHybridSequence(wall Clock) Sequence {
	if wall == nil {
		wall = System{}
	}
	return &hybrid{wall: wall}
}

func (h *hybrid) Next() uint64 {
	now := uint64(h.wall.Now().UnixNano())
	for {
		last := h.last.Load()
		next := max(now, last+1)
		if h.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// counter counts from 1: deterministic, for runs asked to be reproducible
// (authmocktest.WithSeed), where the same calls must give the same tokens.
type counter struct{ last atomic.Uint64 }

// NewCounterSequence returns a Sequence counting 1, 2, 3, ...
func NewCounterSequence() Sequence { return &counter{} }

func (c *counter) Next() uint64 { return c.last.Add(1) }
