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

func TestSetGCPercentOnlyWithoutGOGC(t *testing.T) {
	var got []int
	set := func(p int) int { got = append(got, p); return 100 }
	setGCPercent(func(string) (string, bool) { return "", false }, set)
	setGCPercent(func(k string) (string, bool) { return "100", k == "GOGC" }, set)
	if len(got) != 1 || got[0] != defaultGCPercent {
		t.Fatalf("SetGCPercent calls %v, want [%d] (none when GOGC is set)", got, defaultGCPercent)
	}
}
