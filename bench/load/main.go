// Command load measures authmock's token endpoint under load and compares it
// with a bare net/http handler doing the same work, so that the cost of
// authmock's own machinery (routing, middleware, client lookup, store,
// logging) is visible apart from the cost of signing a JWT.
//
//	go run ./bench/load [-duration 10s] [-concurrency 16] [-algs RS256,ES256,EdDSA,HS256] [-authmock BINARY]
//	                    [-signers go,openssl] [-loader go|wrk] [-oauth2-mock-server node_modules/.bin/oauth2-mock-server]
//	go run ./bench/load -mode soak|revoke|refresh|state [-soak 60s] [-idle 15s] [-refresh-tokens 1000000] [-loader wrk]
//	go run ./bench/load -mode stores [-stores memory,file,redis] [-duration 10s] [-concurrency 16]
//
// For each algorithm it writes a configuration in which the "oidc" instance
// signs with that algorithm's demo key, starts authmock on 127.0.0.1:0 and
// sends client_credentials requests (demo-service, HTTP Basic) from
// -concurrency keep-alive workers for -duration. It then starts the bare
// baseline, this same program re-executed with the hidden -serve-bare flag,
// and sends it the same load. Besides requests/s and latency percentiles it
// reports each server's CPU time per request (from /proc), the figure the
// load generator, which shares the cores, disturbs least. Afterwards it
// measures the time from process start to the first token and the idle
// resident memory of both servers.
//
// RS256 is measured once per -signers entry (go: crypto/rsa; openssl: the
// system's libcrypto.so.3, which needs a cgo build), authmock and the bare
// baseline always with the same signer. With -oauth2-mock-server, that npm
// server is started on loopback and loaded too, in the same run, for the
// ratio the RS256 comparison is about. -loader wrk loads with wrk (Debian
// package "wrk") instead of Go workers in this process: on 2 cores the
// generator's own CPU use decides much of the result.
//
// The other modes measure the token state authmock keeps (issue 11), on an
// oidc instance signing with the demo HS256 key so that signing costs
// little: -mode soak loads client_credentials for -soak (60 s, 32
// connections unless -concurrency says otherwise) while sampling the
// server's VmRSS every 5 s, then samples it idle for -idle; -mode revoke
// then times tokens/revoke and tokens/expire by client_id and by username
// (median of -admin-calls); -mode refresh issues -refresh-tokens refresh
// tokens through the password grant (demo-web, alice, offline_access) with
// RSS at each quarter, times expire and revoke by username, moves the admin
// clock by -advance past their expiry and watches RSS for -settle; -mode
// state does revoke, then refresh, each on a fresh server. Each prints
// its figures against the bars. -mode stores (issue 13) measures
// the refresh grant, which rotates a token in the store on every call, on
// the memory, file and Redis backends (a real redis-server from PATH on a
// free loopback port), and counts the Redis commands client_credentials
// grants cost.
//
// Every phase has a deadline and every child process is killed when the
// program ends, whether normally, on a signal or on a panic. The load
// generator shares the machine with the servers, so absolute numbers depend
// on the core count; compare the ratio, and repeat runs (-runs) to see the
// spread.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Phase deadlines.
const (
	startTimeout    = 10 * time.Second // spawn to banner line
	buildTimeout    = 5 * time.Minute  // go build of authmock
	drainTimeout    = 10 * time.Second // in-flight requests after the load window
	requestTimeout  = 5 * time.Second  // one HTTP request
	warmup          = time.Second      // load before the measured window, not counted
	idleBeforeRSS   = time.Second
	firstTokenLimit = 10 * time.Second // spawn to first token, per run
)

// options are the command-line flags.
type options struct {
	duration    time.Duration
	concurrency int
	algs        []string
	authmock    string
	runs        int
	startRuns   int
	serveBare   string
	bareSigner  string
	signers     []string
	loader      string
	peer        string

	// The token-state modes (state.go).
	mode          string
	soak, idle    time.Duration
	adminCalls    int
	refreshTokens int
	refreshLimit  time.Duration
	advance       string
	settle        time.Duration

	stores []string // -mode stores (stores.go)
}

func main() {
	os.Exit(mainCode())
}

func mainCode() (code int) {
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if opts.serveBare != "" {
		if err := serveBare(opts.serveBare, opts.bareSigner, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "load -serve-bare: %v\n", err)
			return 1
		}
		return 0
	}

	procs := &children{}
	// Kill every child however we leave: normal return, error, panic.
	defer procs.killAll()
	defer func() {
		if r := recover(); r != nil {
			procs.killAll()
			panic(r)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opts.budget())
	defer cancel()

	runMode := run
	switch opts.mode {
	case modeCompare:
	case modeStores:
		runMode = runStores
	default:
		runMode = runState
	}
	if err := runMode(ctx, opts, procs, os.Stdout); err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			err = fmt.Errorf("%w (%v)", err, ctxErr)
		}
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var algs, signers, stores string
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured load `time` per server and algorithm")
	fs.IntVar(&o.concurrency, "concurrency", 16, "number of keep-alive workers")
	fs.StringVar(&algs, "algs", "RS256,ES256,EdDSA,HS256", "comma-separated signing algorithms to measure")
	fs.StringVar(&o.authmock, "authmock", "", "authmock `binary` to measure (default: go build ./cmd/authmock into a temporary directory)")
	fs.IntVar(&o.runs, "runs", 1, "repeat each algorithm's measurement this many times, with fresh processes")
	fs.IntVar(&o.startRuns, "start-runs", 10, "runs of the process-start-to-first-token measurement (the median is reported)")
	fs.StringVar(&o.serveBare, "serve-bare", "", "internal: serve the bare baseline for `ALG` and exit when stdin closes")
	fs.StringVar(&o.bareSigner, "bare-signer", "auto", "internal: the bare baseline's RS256 `SIGNER`")
	fs.StringVar(&signers, "signers", "go,openssl", "comma-separated RS256 signers to measure (go, openssl, auto), each for authmock and the bare baseline")
	fs.StringVar(&o.loader, "loader", "go", "load generator: go (workers in this process) or wrk (the wrk binary on PATH)")
	fs.StringVar(&o.peer, "oauth2-mock-server", "", "also measure oauth2-mock-server's RS256 token endpoint: its CLI `binary` (node_modules/.bin/oauth2-mock-server)")
	fs.StringVar(&o.mode, "mode", modeCompare, "compare (token endpoint vs bare handler); the token state: soak, revoke (soak, then revoke/expire by client and user), refresh (1M refresh tokens, then expiry), state (revoke and refresh); or stores (refresh grants per store backend)")
	fs.StringVar(&stores, "stores", strings.Join(storeKinds, ","), "stores mode: comma-separated backends whose refresh grant to measure")
	fs.DurationVar(&o.soak, "soak", time.Minute, "state modes: `time` of full client_credentials load (HS256)")
	fs.DurationVar(&o.idle, "idle", 15*time.Second, "state modes: idle `time` after the soak before the last RSS reading")
	fs.IntVar(&o.adminCalls, "admin-calls", 3, "state modes: calls of each revoke/expire selector (the median is reported; 0 skips the by-user calls of refresh)")
	fs.IntVar(&o.refreshTokens, "refresh-tokens", 1_000_000, "refresh mode: refresh tokens to issue (password grant, demo-web, alice)")
	fs.DurationVar(&o.refreshLimit, "refresh-limit", 6*time.Minute, "refresh mode: longest `time` for issuing them")
	fs.StringVar(&o.advance, "advance", "721h", "refresh mode: admin clock advance past the refresh tokens' expiry (default refresh_token_ttl 720h)")
	fs.DurationVar(&o.settle, "settle", time.Minute, "refresh mode: `time` RSS is watched after the clock moved")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./bench/load [flags]\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "serve-bare" || f.Name == "bare-signer" {
				return // hidden: only the program re-executes itself with it
			}
			name, usage := flag.UnquoteUsage(f)
			if f.DefValue != "" {
				usage += " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(stderr, "  -%s %s\n    \t%s\n", f.Name, name, usage)
		})
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "load: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return o, errors.New("usage")
	}
	if o.serveBare != "" {
		return o, nil
	}
	concurrencySet := false
	fs.Visit(func(f *flag.Flag) { concurrencySet = concurrencySet || f.Name == "concurrency" })
	if o.mode != modeCompare && o.mode != modeStores && !concurrencySet {
		o.concurrency = stateConcurrency
	}
	for _, a := range strings.Split(algs, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if _, ok := demoKeys[a]; !ok {
			fmt.Fprintf(stderr, "load: unknown algorithm %q (have RS256, ES256, EdDSA, HS256)\n", a)
			return o, errors.New("usage")
		}
		o.algs = append(o.algs, a)
	}
	for _, sg := range strings.Split(signers, ",") {
		switch sg = strings.TrimSpace(sg); sg {
		case "":
		case "go", "openssl", "auto":
			o.signers = append(o.signers, sg)
		default:
			fmt.Fprintf(stderr, "load: unknown signer %q (have go, openssl, auto)\n", sg)
			return o, errors.New("usage")
		}
	}
	for _, st := range strings.Split(stores, ",") {
		switch st = strings.TrimSpace(st); {
		case st == "":
		case slices.Contains(storeKinds, st):
			o.stores = append(o.stores, st)
		default:
			fmt.Fprintf(stderr, "load: unknown store %q (have %s)\n", st, strings.Join(storeKinds, ", "))
			return o, errors.New("usage")
		}
	}
	switch {
	case o.mode == modeStores && len(o.stores) == 0:
		fmt.Fprintln(stderr, "load: -stores names no store")
	case len(o.signers) == 0:
		fmt.Fprintln(stderr, "load: -signers names no signer")
	case o.loader != "go" && o.loader != "wrk":
		fmt.Fprintln(stderr, "load: -loader must be go or wrk")
	case len(o.algs) == 0:
		fmt.Fprintln(stderr, "load: -algs names no algorithm")
	case o.duration < 100*time.Millisecond || o.duration > 10*time.Minute:
		fmt.Fprintln(stderr, "load: -duration must be between 100ms and 10m")
	case o.concurrency < 1 || o.concurrency > 1024:
		fmt.Fprintln(stderr, "load: -concurrency must be between 1 and 1024")
	case !slices.Contains([]string{modeCompare, modeSoak, modeRevoke, modeRefresh, modeState, modeStores}, o.mode):
		fmt.Fprintf(stderr, "load: unknown -mode %q (have compare, soak, revoke, refresh, state, stores)\n", o.mode)
	case o.soak < time.Second || o.soak > 10*time.Minute || o.idle < time.Second || o.idle > 10*time.Minute:
		fmt.Fprintln(stderr, "load: -soak and -idle must be between 1s and 10m")
	case o.adminCalls < 0 || o.adminCalls > 20:
		fmt.Fprintln(stderr, "load: -admin-calls must be between 0 and 20")
	case o.refreshTokens < 1 || o.refreshTokens > 10_000_000:
		fmt.Fprintln(stderr, "load: -refresh-tokens must be between 1 and 10,000,000")
	case o.refreshLimit < time.Second || o.refreshLimit > 30*time.Minute || o.settle < time.Second || o.settle > 10*time.Minute:
		fmt.Fprintln(stderr, "load: -refresh-limit must be between 1s and 30m, -settle between 1s and 10m")
	case !validAdvance(o.advance):
		fmt.Fprintln(stderr, "load: -advance must be a positive duration such as 721h")
	case o.runs < 1 || o.runs > 20:
		fmt.Fprintln(stderr, "load: -runs must be between 1 and 20")
	case o.startRuns < 1 || o.startRuns > 100:
		fmt.Fprintln(stderr, "load: -start-runs must be between 1 and 100")
	default:
		return o, nil
	}
	return o, errors.New("usage")
}

// budget is the deadline for the whole program: every phase's own deadline
// added up, so that a wedged phase ends the run instead of hanging it.
func (o options) budget() time.Duration {
	switch o.mode {
	case modeCompare:
	case modeStores:
		perStore := startTimeout + warmup + o.duration + drainTimeout + 2*time.Second + 10*time.Second
		return buildTimeout + time.Duration(len(o.stores))*perStore
	default:
		return o.stateBudget()
	}
	perServer := startTimeout + warmup + o.duration + drainTimeout + 5*time.Second
	total := buildTimeout + time.Duration(len(o.algs)*len(o.signers)*o.runs*3)*perServer
	total += time.Duration(o.startRuns) * (firstTokenLimit + 5*time.Second)
	total += 2 * (startTimeout + idleBeforeRSS + 10*time.Second)
	return total
}

func validAdvance(s string) bool {
	d, err := time.ParseDuration(s)
	return err == nil && d > 0
}

// demoKeys maps each algorithm to the builtin demo key that signs with it.
var demoKeys = map[string]string{
	"RS256": "demo-rs256",
	"ES256": "demo-es256",
	"EdDSA": "demo-eddsa",
	"HS256": "demo-hs256",
}

// result is one server's measurement under load. alg is the label of the
// measurement ("RS256/openssl #2"): the servers sharing it were measured
// under the same conditions.
type result struct {
	alg, server string
	stats       stats
}

// signersFor is what to measure alg with: every -signers entry for RS256,
// which is the only algorithm the choice affects, else the default.
func (o options) signersFor(alg string) []string {
	if alg == "RS256" {
		return o.signers
	}
	return []string{""}
}

func run(ctx context.Context, o options, procs *children, out io.Writer) error {
	tmp, bin, err := prepare(ctx, o, "authmock-load-", out)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program for the bare baseline: %w", err)
	}

	fmt.Fprintf(out, "authmock load test: POST /oidc/token grant_type=client_credentials (demo-service, Basic), scope api:read\n")
	fmt.Fprintf(out, "%d keep-alive workers (%s loader), %s measured after %s warm-up, %d CPU(s) shared by servers and load generator, %s\n\n",
		o.concurrency, o.loader, o.duration, warmup, runtime.NumCPU(), runtime.Version())

	var results []result
	for _, alg := range o.algs {
		cfg, err := writeAlgConfig(tmp, alg)
		if err != nil {
			return err
		}
		for i := 0; i < o.runs; i++ {
			for _, signer := range o.signersFor(alg) {
				label := alg
				if signer != "" {
					label += "/" + signer
				}
				if o.runs > 1 {
					label = fmt.Sprintf("%s #%d", label, i+1)
				}
				am, err := measure(ctx, o, procs, label, "authmock", bin, withSigner(authmockArgs(cfg, "127.0.0.1:0"), "--signer", signer), tmp, out)
				if err != nil {
					return err
				}
				bare, err := measure(ctx, o, procs, label, "bare", self, withSigner([]string{"-serve-bare", alg}, "-bare-signer", signer), tmp, out)
				if err != nil {
					return err
				}
				results = append(results, am, bare)
			}
			if alg == "RS256" && o.peer != "" {
				label := alg
				if o.runs > 1 {
					label = fmt.Sprintf("%s #%d", label, i+1)
				}
				peer, err := measurePeer(ctx, o, procs, label, o.peer, tmp, out)
				if err != nil {
					return err
				}
				results = append(results, peer)
			}
		}
	}
	fmt.Fprintln(out)
	printDetails(out, results)
	fmt.Fprintln(out)
	printComparison(out, results)
	if o.peer != "" {
		fmt.Fprintln(out)
		printPeerComparison(out, results)
	}
	if o.runs > 1 {
		fmt.Fprintln(out)
		printSpread(out, results)
		fmt.Fprintln(out)
		printMedianRatios(out, results)
	}

	fmt.Fprintln(out)
	if err := measureStartup(ctx, o, procs, bin, out); err != nil {
		return err
	}
	if err := measureIdleRSS(ctx, procs, bin, self, out); err != nil {
		return err
	}

	var failed []string
	for _, r := range results {
		if r.stats.errors > 0 {
			failed = append(failed, fmt.Sprintf("%s %s: %d errors (first: %s)", r.server, r.alg, r.stats.errors, r.stats.firstError))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("requests failed under load (every non-200 counts):\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

// measure starts one server, loads it and stops it.
func measure(ctx context.Context, o options, procs *children, label, server, bin string, args []string, dir string, out io.Writer) (result, error) {
	fmt.Fprintf(out, "%-14s %-18s starting ... ", label, server)
	p, err := procs.start(ctx, server, bin, args)
	if err != nil {
		fmt.Fprintln(out)
		return result{}, err
	}
	defer p.stop()
	return loadOne(ctx, o, label, server, p, p.baseURL+"/oidc/token", dir, out)
}

// loadOne loads a started server's token endpoint with o's loader.
func loadOne(ctx context.Context, o options, label, server string, p *child, url, dir string, out io.Writer) (result, error) {
	var (
		s   stats
		err error
	)
	if o.loader == "wrk" {
		s, err = runWrk(ctx, url, dir, o.concurrency, warmup, o.duration, p.cmd.Process.Pid)
	} else {
		s, err = runLoad(ctx, url, o.concurrency, warmup, o.duration, p.cmd.Process.Pid)
	}
	if err != nil {
		fmt.Fprintln(out)
		return result{}, fmt.Errorf("%s %s: %w", server, label, err)
	}
	fmt.Fprintf(out, "%8.0f req/s  p50 %-9s p99 %-9s server CPU/req %-8s errors %d\n", s.rps(), fmtDur(s.p(50)), fmtDur(s.p(99)), fmtCPU(s), s.errors)
	return result{alg: label, server: server, stats: s}, nil
}

func printDetails(out io.Writer, results []result) {
	fmt.Fprintln(out, "| alg | server | requests | req/s | p50 | p90 | p99 | max | server CPU/req | errors |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		s := r.stats
		fmt.Fprintf(out, "| %s | %s | %d | %.0f | %s | %s | %s | %s | %s | %d |\n",
			r.alg, r.server, s.requests, s.rps(), fmtDur(s.p(50)), fmtDur(s.p(90)), fmtDur(s.p(99)), fmtDur(s.max()), fmtCPU(s), s.errors)
	}
}

func printComparison(out io.Writer, results []result) {
	fmt.Fprintln(out, "| alg | authmock req/s | bare req/s | ratio | authmock p99 | bare p99 |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|")
	for i, am := range results {
		if am.server != "authmock" || i+1 >= len(results) || results[i+1].server != "bare" {
			continue
		}
		bare := results[i+1].stats
		fmt.Fprintf(out, "| %s | %.0f | %.0f | %.2f | %s | %s |\n",
			am.alg, am.stats.rps(), bare.rps(), ratio(am.stats, bare), fmtDur(am.stats.p(99)), fmtDur(bare.p(99)))
	}
}

// printPeerComparison sets every RS256 authmock measurement beside the
// oauth2-mock-server measurement of the same run.
func printPeerComparison(out io.Writer, results []result) {
	fmt.Fprintf(out, "| RS256 | authmock req/s | %s req/s | ratio |\n", peerName)
	fmt.Fprintln(out, "|---|---:|---:|---:|")
	for _, peer := range results {
		if peer.server != peerName {
			continue
		}
		_, run, _ := strings.Cut(peer.alg, " #")
		for _, am := range results {
			alg, amRun, _ := strings.Cut(am.alg, " #")
			if am.server == "authmock" && strings.HasPrefix(alg, "RS256") && amRun == run {
				fmt.Fprintf(out, "| %s | %.0f | %.0f | %.2f |\n", am.alg, am.stats.rps(), peer.stats.rps(), ratio(am.stats, peer.stats))
			}
		}
	}
}

func ratio(a, b stats) float64 {
	if b.rps() <= 0 {
		return 0
	}
	return a.rps() / b.rps()
}

// printSpread shows, per algorithm and server, how far repeated runs are
// apart: (max-min)/median of req/s.
func printSpread(out io.Writer, results []result) {
	type key struct{ alg, server string }
	byKey := map[key][]float64{}
	var order []key
	for _, r := range results {
		alg, _, _ := strings.Cut(r.alg, " #")
		k := key{alg, r.server}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r.stats.rps())
	}
	fmt.Fprintln(out, "run-to-run spread of req/s:")
	for _, k := range order {
		v := slices.Sorted(slices.Values(byKey[k]))
		med := median(v)
		spread := 0.0
		if med > 0 {
			spread = (v[len(v)-1] - v[0]) / med * 100
		}
		fmt.Fprintf(out, "  %-6s %-8s runs %d  min %.0f  median %.0f  max %.0f  spread %.1f%%\n", k.alg, k.server, len(v), v[0], med, v[len(v)-1], spread)
	}
}

// ratioBar is the token endpoint's bar: authmock's req/s at least this
// share of the bare handler's (issue 11).
const ratioBar = 0.9

// algRatios is one algorithm's authmock/bare comparison over repeated runs.
type algRatios struct {
	alg          string
	medianRatio  float64 // median authmock req/s over median bare req/s
	runs, atBar  int     // runs, and runs whose own ratio reached ratioBar
	lowest, high float64
}

// medianRatios pairs each authmock result with the bare result after it,
// per algorithm (RS256 signers kept apart), in the order first seen.
func medianRatios(results []result) []algRatios {
	type pairs struct{ am, bare, ratios []float64 }
	byAlg := map[string]*pairs{}
	var order []string
	for i, am := range results {
		if am.server != "authmock" || i+1 >= len(results) || results[i+1].server != "bare" {
			continue
		}
		alg, _, _ := strings.Cut(am.alg, " #")
		p := byAlg[alg]
		if p == nil {
			p = &pairs{}
			byAlg[alg] = p
			order = append(order, alg)
		}
		bare := results[i+1].stats
		p.am = append(p.am, am.stats.rps())
		p.bare = append(p.bare, bare.rps())
		p.ratios = append(p.ratios, ratio(am.stats, bare))
	}
	out := make([]algRatios, 0, len(order))
	for _, alg := range order {
		p := byAlg[alg]
		r := algRatios{alg: alg, runs: len(p.ratios), lowest: slices.Min(p.ratios), high: slices.Max(p.ratios)}
		if b := median(p.bare); b > 0 {
			r.medianRatio = median(p.am) / b
		}
		for _, x := range p.ratios {
			if x >= ratioBar {
				r.atBar++
			}
		}
		out = append(out, r)
	}
	return out
}

// printMedianRatios gives each algorithm's ratio of median req/s, which
// the run-to-run noise of a shared machine moves less than any one run's.
func printMedianRatios(out io.Writer, results []result) {
	fmt.Fprintf(out, "authmock/bare by median req/s (bar %.2f):\n", ratioBar)
	for _, r := range medianRatios(results) {
		fmt.Fprintf(out, "  %-6s %.2f  (runs %d: lowest %.2f, highest %.2f, %d at or above the bar)\n",
			r.alg, r.medianRatio, r.runs, r.lowest, r.high, r.atBar)
	}
}

// fmtCPU formats the server CPU time per request, or "n/a".
func fmtCPU(s stats) string {
	if c := s.cpuPerRequest(); c > 0 {
		return fmtDur(c)
	}
	return "n/a"
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}
