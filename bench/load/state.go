package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// Modes. compare is the token endpoint against the bare handler; the
// others measure the token state authmock keeps (issue 11): memory under a
// soak, the admin calls that revoke or expire by user or client after it,
// and a million live refresh tokens.
const (
	modeCompare = "compare"
	modeSoak    = "soak"    // soak only
	modeRevoke  = "revoke"  // soak, then revoke and expire by client and user
	modeRefresh = "refresh" // 1M refresh tokens, by-user calls, expiry
	modeState   = "state"   // revoke, then refresh, on fresh servers
	modeStores  = "stores"  // refresh grants per store backend (stores.go)
)

// revokeBar is issue 11's bar for revoke and expire by user or client.
const revokeBar = 10 * time.Millisecond

// stateConcurrency is the default number of connections of the state
// modes: a full load from a user's wrk run.
const stateConcurrency = 32

func (o options) stateBudget() time.Duration {
	total := buildTimeout + 2*time.Minute
	if o.mode != modeRefresh {
		total += startTimeout + o.soak + drainTimeout + o.idle
		if o.mode != modeSoak {
			total += 4 * adminTimeout
		}
	}
	if o.mode == modeRefresh || o.mode == modeState {
		total += startTimeout + o.refreshLimit + restWait + 2*adminTimeout + adminTimeout + o.settle
	}
	return total
}

func runState(ctx context.Context, o options, procs *children, out io.Writer) error {
	tmp, bin, cfg, err := prepareHS256(ctx, o, "authmock-load-", out)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(out, "authmock token state (mode %s): %s, oidc instance signing with demo-hs256, %d CPU(s) shared by server and load generator, %s\n",
		o.mode, bin, runtime.NumCPU(), runtime.Version())
	printLoadAverage(out, "before")
	fmt.Fprintln(out)

	var (
		soak     *soakResult
		refresh  *refreshResult
		timings  []selectorTiming
		runErr   error
		finished = func(err error) { runErr = err }
	)
	if o.mode != modeRefresh {
		p, err := procs.start(ctx, "authmock", bin, authmockArgs(cfg, "127.0.0.1:0"))
		if err != nil {
			return err
		}
		r, err := runSoak(ctx, o, p, tmp, out)
		soak = &r
		if err == nil && o.mode != modeSoak {
			fmt.Fprintf(out, "revoke and expire by client and user, %d calls each ...\n", o.adminCalls)
			timings = revokeAfterSoak(ctx, o, p, r.load.requests-r.load.errors)
		}
		p.stop()
		finished(err)
	}
	if runErr == nil && (o.mode == modeRefresh || o.mode == modeState) {
		p, err := procs.start(ctx, "authmock", bin, authmockArgs(cfg, "127.0.0.1:0"))
		if err != nil {
			return err
		}
		r, err := runRefresh(ctx, o, p, out)
		refresh = &r
		timings = append(timings, r.timings...)
		p.stop()
		finished(err)
	}

	fmt.Fprintln(out)
	if soak != nil {
		printSoak(out, "authmock", *soak)
		fmt.Fprintln(out)
	}
	if len(timings) > 0 {
		fmt.Fprintf(out, "revoke and expire by user or client (bar: ≤ %s, median):\n", fmtMS(revokeBar))
		printSelectorTimings(out, timings, revokeBar)
		fmt.Fprintln(out)
	}
	if refresh != nil {
		printRefresh(out, "authmock", *refresh)
		fmt.Fprintln(out)
	}
	printLoadAverage(out, "after")
	return runErr
}
