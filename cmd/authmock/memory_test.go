package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type fakeTraffic struct {
	handled  atomic.Uint64
	inFlight atomic.Int64
}

func (f *fakeTraffic) Handled() uint64 { return f.handled.Load() }
func (f *fakeTraffic) InFlight() int   { return int(f.inFlight.Load()) }

// Memory is released once per quiet spell after traffic, never while
// requests are in flight or while the server idles on.
func TestReleaseWhenQuiet(t *testing.T) {
	f := &fakeTraffic{}
	tick := make(chan time.Time)
	released := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		releaseWhenQuiet(ctx, f, tick, func() { released <- struct{}{} })
		close(done)
	}()
	step := func() { tick <- time.Time{} }
	count := func() int { return len(released) }

	step() // idle from the start: nothing to release
	f.handled.Add(100)
	f.inFlight.Store(3)
	step() // busy
	step() // no new requests, but some still in flight (non-reading clients)
	assert.Equal(t, 0, count())
	f.inFlight.Store(0)
	step() // quiet now
	step() // the step before the release must have happened before this one
	assert.Equal(t, 1, count(), "released once the burst ended")
	step()
	step()
	assert.Equal(t, 1, count(), "idling on releases nothing more")
	f.handled.Add(1)
	step()
	step()
	step()
	assert.Equal(t, 2, count(), "the next burst is released too")
	cancel()
	<-done
}

func TestGCPercentFollowsTheLiveHeap(t *testing.T) {
	assert.Equal(t, maxGCPercent, gcPercentFor(0))
	assert.Equal(t, maxGCPercent, gcPercentFor(1<<20), "a small heap: GOGC capped")
	assert.Equal(t, 200, gcPercentFor(4<<20), "8 MiB of headroom over 4 MiB")
	assert.Equal(t, 100, gcPercentFor(300<<20), "a big heap: Go's default")

	ctx, cancel := context.WithCancel(t.Context())
	tick := make(chan time.Time)
	heaps := make(chan uint64) // the live heap each read sees, in order
	var sets []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		tuneGC(ctx, tick, func() uint64 { return <-heaps }, func(p int) int { sets = append(sets, p); return 0 })
	}()
	heaps <- 1 << 20
	for _, h := range []uint64{1 << 20, 300 << 20, 4 << 20} { // the same heap first: no call
		tick <- time.Time{}
		heaps <- h
	}
	cancel()
	<-done
	assert.Equal(t, []int{maxGCPercent, 100, 200}, sets)
}
