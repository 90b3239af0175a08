package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The stores mode (issue 13): the refresh grant's throughput on each state
// backend, the grant that writes to the store on every call (one rotation).
// Each worker logs in once (password grant, scope offline_access only, so
// no ID token is signed) and then refreshes its own family for the window.
// A Redis store gets a real redis-server from PATH on a free loopback port.

// storeLoginBody leaves openid out, so no ID token is signed: the store's
// cost is the figure.
const storeLoginBody = "grant_type=password&username=alice&password=alice-password&scope=offline_access"

// storeKinds are the -stores names.
var storeKinds = []string{"memory", "file", "redis"}

// storeResult is one backend's refresh window, plus, on Redis, how many
// commands client_credentials grants cost (self-contained tokens: none but
// the sweep timer's).
type storeResult struct {
	store        string
	stats        stats
	skipped      string
	ccTokens     int
	redisCommand int64 // commands Redis served during the client_credentials window; -1 unknown
}

func runStores(ctx context.Context, o options, procs *children, out io.Writer) error {
	tmp, bin, cfg, err := prepareHS256(ctx, o, "authmock-stores-", out)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(out, "authmock refresh grants per store: oidc signing with demo-hs256, %d workers each rotating its own family (demo-web, alice, offline_access), %s after %s warm-up, %d CPU(s) shared, %s\n",
		o.concurrency, o.duration, warmup, runtime.NumCPU(), runtime.Version())
	printLoadAverage(out, "before")
	fmt.Fprintln(out)

	var results []storeResult
	for _, kind := range o.stores {
		r, err := measureStore(ctx, o, procs, bin, cfg, kind, tmp, out)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| store | refreshes/s | p50 | p99 | server CPU/refresh | errors |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|")
	var failed []string
	for _, r := range results {
		if r.skipped != "" {
			fmt.Fprintf(out, "| %s | skipped: %s | | | | |\n", r.store, r.skipped)
			continue
		}
		s := r.stats
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %s | %d |\n", r.store, s.rps(), fmtDur(s.p(50)), fmtDur(s.p(99)), fmtCPU(s), s.errors)
		if s.errors > 0 {
			failed = append(failed, fmt.Sprintf("%s: %d errors (first: %s)", r.store, s.errors, s.firstError))
		}
		if r.store == "redis" && r.redisCommand >= 0 {
			fmt.Fprintf(out, "\nclient_credentials on the Redis store: %d tokens in 2s, %d Redis commands served meanwhile (self-contained tokens touch no store; the sweep timer runs every 5 s)\n", r.ccTokens, r.redisCommand)
		}
	}
	fmt.Fprintln(out)
	printLoadAverage(out, "after")
	if len(failed) > 0 {
		return fmt.Errorf("refresh grants failed (every non-200 counts):\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

// measureStore starts authmock on one backend and loads its refresh grant.
func measureStore(ctx context.Context, o options, procs *children, bin, cfg, kind, dir string, out io.Writer) (storeResult, error) {
	r := storeResult{store: kind, redisCommand: -1}
	var spec, redisAddr string
	switch kind {
	case "memory":
		spec = "memory"
	case "file":
		spec = "file:" + filepath.Join(dir, "authmock.db")
	case "redis":
		addr, stop, err := startRedis(ctx, dir)
		if errors.Is(err, exec.ErrNotFound) {
			r.skipped = "redis-server not on PATH (apt-get install redis-server)"
			fmt.Fprintf(out, "%-8s %s\n", kind, r.skipped)
			return r, nil
		}
		if err != nil {
			return r, err
		}
		defer stop()
		redisAddr = addr
		spec = "redis://" + addr + "/0"
	}
	fmt.Fprintf(out, "%-8s starting (--store %s) ... ", kind, spec)
	p, err := procs.start(ctx, "authmock", bin, append(authmockArgs(cfg, "127.0.0.1:0"), "--store", spec))
	if err != nil {
		fmt.Fprintln(out)
		return r, err
	}
	defer p.stop()
	if r.stats, err = refreshLoad(ctx, p.baseURL+"/oidc/token", o.concurrency, warmup, o.duration, p.cmd.Process.Pid); err != nil {
		fmt.Fprintln(out)
		return r, fmt.Errorf("%s: %w", kind, err)
	}
	s := r.stats
	fmt.Fprintf(out, "%8.0f refreshes/s  p50 %-9s p99 %-9s server CPU/refresh %-8s errors %d\n", s.rps(), fmtDur(s.p(50)), fmtDur(s.p(99)), fmtCPU(s), s.errors)
	if redisAddr != "" {
		before, err := redisCommands(ctx, redisAddr)
		if err != nil {
			return r, err
		}
		cc, err := runLoad(ctx, p.baseURL+"/oidc/token", o.concurrency, 0, 2*time.Second, p.cmd.Process.Pid)
		if err != nil {
			return r, fmt.Errorf("client_credentials on redis: %w", err)
		}
		after, err := redisCommands(ctx, redisAddr)
		if err != nil {
			return r, err
		}
		r.ccTokens = cc.requests - cc.errors
		r.redisCommand = after - before - 1 // the INFO call that read "before"
	}
	return r, nil
}

// refreshLoad logs each worker in once, then has it rotate its own refresh
// token for the window, counting the refreshes that completed inside it.
func refreshLoad(ctx context.Context, url string, workers int, warm, window time.Duration, pid int) (stats, error) {
	client := newLoadClient(workers)
	defer client.CloseIdleConnections()
	tokens := make([]string, workers)
	for i := range tokens {
		t, err := refreshTokenOf(postForm(ctx, client, url, storeLoginBody, demoWebAuth))
		if err != nil {
			return stats{}, fmt.Errorf("login: %w", err)
		}
		tokens[i] = t
	}

	measureFrom := time.Now().Add(warm)
	measureTo := measureFrom.Add(window)
	lctx, cancel := context.WithDeadline(ctx, measureTo.Add(drainTimeout))
	defer cancel()
	serverCPU := sampleCPU(lctx, pid, measureFrom, measureTo)

	per := make([]stats, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(s *stats, token string) {
			defer wg.Done()
			for {
				t0 := time.Now()
				if !t0.Before(measureTo) || lctx.Err() != nil {
					return
				}
				next, err := refreshTokenOf(postForm(lctx, client, url, "grant_type=refresh_token&refresh_token="+token, demoWebAuth))
				t1 := time.Now()
				if err == nil {
					token = next
				}
				if t0.Before(measureFrom) || t1.After(measureTo) {
					if err != nil && lctx.Err() == nil {
						return // a lost token ends this worker's chain
					}
					continue
				}
				s.requests++
				if err != nil {
					s.errors++
					if s.firstError == "" {
						s.firstError = err.Error()
					}
					return
				}
				s.latencies = append(s.latencies, t1.Sub(t0))
			}
		}(&per[w], tokens[w])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return stats{}, err
	}
	return mergeStats(per, window, <-serverCPU), nil
}

// refreshTokenOf reads the refresh token out of a 200 token response.
func refreshTokenOf(status int, body []byte, err error) (string, error) {
	if err != nil {
		return "", err
	}
	var v struct {
		RefreshToken string `json:"refresh_token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &v) != nil || v.RefreshToken == "" {
		return "", fmt.Errorf("status %d: %s", status, clip(body, 200))
	}
	return v.RefreshToken, nil
}

// startRedis runs redis-server from PATH on a free loopback port, without
// persistence, and waits until it answers PING. stop kills it.
func startRedis(ctx context.Context, dir string) (addr string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, err
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting redis-server: %w", err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	deadline := time.Now().Add(startTimeout)
	for {
		if reply, err := redisCall(ctx, addr, "PING"); err == nil && strings.HasPrefix(reply, "+PONG") {
			return addr, stop, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s did not answer PING within %s", addr, startTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// redisCommands is INFO stats' total_commands_processed.
func redisCommands(ctx context.Context, addr string) (int64, error) {
	reply, err := redisCall(ctx, addr, "INFO stats")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(reply, "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_commands_processed:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("redis %s: no total_commands_processed in INFO stats", addr)
}

// redisCall sends one inline command and returns the reply: a simple line,
// or a bulk string's payload.
func redisCall(ctx context.Context, addr, command string) (string, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, command+"\r\n"); err != nil {
		return "", err
	}
	br := bufio.NewReader(conn)
	head, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(head, "$") {
		return head, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil || n < 0 || n > 1<<20 {
		return "", fmt.Errorf("redis %s: unexpected reply %q", addr, head)
	}
	body := make([]byte, n)
	_, err = io.ReadFull(br, body)
	return string(body), err
}
