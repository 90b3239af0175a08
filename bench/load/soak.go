package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"
)

// Figures of issue 11 ("Token state that stays small") the soak is held to.
const (
	soakRSSBar   = 64 << 20 // resident memory at the end of the soak
	soakDriftBar = 0.10     // growth allowed between 20 s and the end
	rssEvery     = 5 * time.Second
)

// rssSample is the server's resident memory at a time after the load began.
type rssSample struct {
	at  time.Duration
	rss int64
}

// sampleRSS reads pid's VmRSS every interval until stop is closed or ctx
// ends, the first sample one interval after start.
func sampleRSS(ctx context.Context, pid int, start time.Time, interval time.Duration, stop <-chan struct{}) <-chan []rssSample {
	done := make(chan []rssSample, 1)
	go func() {
		var samples []rssSample
		defer func() { done <- samples }()
		for next := start.Add(interval); ; next = next.Add(interval) {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(time.Until(next)):
			}
			if v, err := rssBytes(pid); err == nil {
				samples = append(samples, rssSample{at: next.Sub(start), rss: v})
			}
		}
	}()
	return done
}

// soakResult is one soak: the load's outcome and the RSS along it.
type soakResult struct {
	load    stats
	during  []rssSample // every rssEvery from the start of the load
	end     int64       // right after the load stopped
	idle    []rssSample // every rssEvery after the load stopped
	idleFor time.Duration
}

// at returns the sample taken within a second of d, or -1.
func at(samples []rssSample, d time.Duration) int64 {
	for _, s := range samples {
		if s.at >= d-time.Second && s.at <= d+time.Second {
			return s.rss
		}
	}
	return -1
}

// drift is the relative growth of RSS from 20 s into the load to its end.
func (r soakResult) drift() float64 {
	r20 := at(r.during, 20*time.Second)
	if r20 <= 0 {
		return math.NaN()
	}
	return float64(r.end-r20) / float64(r20)
}

// runSoak loads p's token endpoint (HS256 client_credentials) for o.soak
// with o's loader, sampling RSS all along, then stops and samples it for
// o.idle more.
func runSoak(ctx context.Context, o options, p *child, dir string, out io.Writer) (soakResult, error) {
	var r soakResult
	pid := p.cmd.Process.Pid
	url := p.baseURL + "/oidc/token"
	fmt.Fprintf(out, "soak: %s of client_credentials from %d connections (%s loader) ... ", o.soak, o.concurrency, o.loader)
	stop := make(chan struct{})
	start := time.Now()
	samples := sampleRSS(ctx, pid, start, rssEvery, stop)
	c0, cpuErr := processCPU(pid)
	var err error
	if o.loader == "wrk" {
		var script, report string
		if script, err = writeWrkScript(dir); err == nil {
			if report, err = wrkFor(ctx, url, script, o.concurrency, o.soak); err == nil {
				r.load, err = parseWrk(report)
			}
		}
	} else {
		r.load, err = runLoad(ctx, url, o.concurrency, 0, o.soak, pid)
	}
	close(stop)
	r.during = <-samples
	if c1, err := processCPU(pid); err == nil && cpuErr == nil && o.loader == "wrk" {
		r.load.serverCPU = c1 - c0 // runLoad samples its own window
	}
	if err != nil {
		fmt.Fprintln(out)
		return r, err
	}
	if r.end, err = rssBytes(pid); err != nil {
		return r, err
	}
	fmt.Fprintf(out, "%d tokens, %.0f/s, %d errors; RSS %.1f MiB\n", r.load.requests-r.load.errors, r.load.rps(), r.load.errors, mib(r.end))

	fmt.Fprintf(out, "idle: %s ... ", o.idle)
	stop = make(chan struct{})
	start = time.Now()
	samples = sampleRSS(ctx, pid, start, min(rssEvery, o.idle), stop)
	if !sleepUntil(ctx, start.Add(o.idle)) {
		close(stop)
		return r, ctx.Err()
	}
	close(stop)
	r.idle = <-samples
	r.idleFor = time.Since(start)
	if len(r.idle) > 0 {
		fmt.Fprintf(out, "RSS %.1f MiB\n", mib(r.idle[len(r.idle)-1].rss))
	} else {
		fmt.Fprintln(out)
	}
	return r, nil
}

func printSoak(out io.Writer, name string, r soakResult) {
	fmt.Fprintf(out, "soak, %s: %d tokens in %s, %.0f tokens/s, p50 %s, p99 %s, server CPU/req %s, errors %d\n",
		name, r.load.requests-r.load.errors, r.load.elapsed, r.load.rps(), fmtDur(r.load.p(50)), fmtDur(r.load.p(99)), fmtCPU(r.load), r.load.errors)
	fmt.Fprintln(out, "| time under load | RSS |")
	fmt.Fprintln(out, "|---:|---:|")
	for _, s := range r.during {
		fmt.Fprintf(out, "| %s | %.1f MiB |\n", s.at.Round(time.Second), mib(s.rss))
	}
	fmt.Fprintf(out, "| end of load | %.1f MiB |\n", mib(r.end))
	for _, s := range r.idle {
		fmt.Fprintf(out, "| idle +%s | %.1f MiB |\n", s.at.Round(time.Second), mib(s.rss))
	}
	var idleEnd int64 = -1
	if len(r.idle) > 0 {
		idleEnd = r.idle[len(r.idle)-1].rss
	}
	fmt.Fprintf(out, "\nRSS at 5/20/40/end s: %s / %s / %s / %.1f MiB; after %s idle: %s\n",
		fmtMiB(at(r.during, 5*time.Second)), fmtMiB(at(r.during, 20*time.Second)), fmtMiB(at(r.during, 40*time.Second)),
		mib(r.end), r.idleFor.Round(time.Second), fmtMiB(idleEnd))
	fmt.Fprintf(out, "bar: end ≤ %d MiB: %s; within %.0f%% from 20 s to the end (%+.1f%%): %s\n",
		soakRSSBar>>20, yesNo(r.end <= soakRSSBar), soakDriftBar*100, r.drift()*100, yesNo(math.Abs(r.drift()) <= soakDriftBar))
}

func fmtMiB(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", mib(b))
}

// revokeAfterSoak times revoke and expire by client and by user on the
// server the soak filled: expire first, since a revoke after it counts the
// expired tokens again.
func revokeAfterSoak(ctx context.Context, o options, p *child, issued int) []selectorTiming {
	label := fmt.Sprintf("after %d client_credentials tokens", issued)
	var ts []selectorTiming
	for _, c := range []struct{ path, body string }{
		{"/tokens/expire", `{"client_id":"demo-service"}`},
		{"/tokens/expire", `{"username":"alice"}`},
		{"/tokens/revoke", `{"client_id":"demo-service"}`},
		{"/tokens/revoke", `{"username":"alice"}`},
	} {
		ts = append(ts, timeSelector(ctx, p.baseURL, label, "/_authmock/providers/oidc"+c.path, c.body, o.adminCalls))
	}
	return ts
}
