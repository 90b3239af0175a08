package main

import (
	"context"
	"runtime/debug"
	"time"
)

// defaultGCPercent is authmock's GOGC unless the environment sets one.
// Its live heap is a few MiB (the journal, the instances), so at Go's 100
// the collector ran every few hundred token requests, marking all of it
// each time: a fifth of the CPU a request cost under load. 400 collects a
// quarter as often for about 12 MiB more resident memory under load.
const defaultGCPercent = 400

// setGCPercent applies defaultGCPercent when GOGC is not set: whoever sets
// it (GOGC=100, GOGC=off) gets what they asked for.
func setGCPercent(lookup func(string) (string, bool), set func(int) int) {
	if _, ok := lookup("GOGC"); !ok {
		set(defaultGCPercent)
	}
}

// quietCheck is how often releaseWhenQuiet looks at the traffic.
const quietCheck = 10 * time.Second

// traffic is what releaseWhenQuiet needs of the server.
type traffic interface {
	Handled() uint64
	InFlight() int
}

// releaseWhenQuiet hands memory freed by a burst of traffic back to the
// operating system once the server goes quiet. An idle process allocates
// nothing, so the Go runtime would neither collect the burst's garbage nor
// return its pages for minutes (the forced GC comes every 2 minutes): a
// load test's hundreds of MB would stay resident. One forced collection
// per quiet spell costs milliseconds. release is debug.FreeOSMemory.
func releaseWhenQuiet(ctx context.Context, srv traffic, tick <-chan time.Time, release func()) {
	last, busy := srv.Handled(), false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		n := srv.Handled()
		switch {
		case n != last:
			busy = true // traffic since the last look
		case busy && srv.InFlight() == 0:
			release()
			busy = false
		}
		last = n
	}
}

func startReleasing(ctx context.Context, srv traffic) {
	t := time.NewTicker(quietCheck)
	go func() {
		defer t.Stop()
		releaseWhenQuiet(ctx, srv, t.C, debug.FreeOSMemory)
	}()
}
