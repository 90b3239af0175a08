package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The collector's pace unless the environment sets GOGC. authmock's live
// heap is a few MiB (the journal, the instances), so at Go's GOGC=100 the
// collector ran every few hundred token requests, marking all of it each
// time: a fifth of the CPU a request cost under load. tuneGC lets at
// least gcHeadroom of garbage pile up between collections instead (GOGC
// up to maxGCPercent, about 12 MiB more resident under load), and goes
// back to 100 as the live heap grows (a million refresh tokens), where
// 100 leaves more than that anyway.
const (
	gcHeadroom   = 8 << 20
	maxGCPercent = 400
	gcTuneEvery  = time.Second
)

// gcPercentFor is the GOGC that lets gcHeadroom pile up over live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	return int(min(max(100*gcHeadroom/live, 100), maxGCPercent))
}

// tuneGC sets the GC percent for the live heap now and at every tick;
// set is debug.SetGCPercent, live reads the live heap.
func tuneGC(ctx context.Context, tick <-chan time.Time, live func() uint64, set func(int) int) {
	cur := gcPercentFor(live())
	set(cur)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		if p := gcPercentFor(live()); p != cur {
			set(p)
			cur = p
		}
	}
}

// startTuningGC runs tuneGC unless GOGC is set: whoever sets it
// (GOGC=100, GOGC=off) gets what they asked for.
func startTuningGC(ctx context.Context, lookup func(string) (string, bool)) {
	if _, ok := lookup("GOGC"); ok {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	t := time.NewTicker(gcTuneEvery)
	go func() {
		defer t.Stop()
		tuneGC(ctx, t.C, live, debug.SetGCPercent)
	}()
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
