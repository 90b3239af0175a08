// Command abuse checks that what clients send cannot make authmock hold
// memory: it starts authmock on 127.0.0.1:0, then, for bounded times,
//
//   - sends requests with a 1000 KiB header (refused with 431 now),
//   - sends requests just under the header limit: a long query and several
//     4 KiB headers (recorded by the journal, which keeps a capped part),
//   - opens connections that ask for the journal and never read the answer,
//     holding them open, then leaving,
//
// sampling the server's resident memory (VmRSS from /proc) all along. It
// reports RSS before, the peak, when RSS got back under -target after the
// clients stopped, and RSS -settle after they stopped; it exits 1 if that
// is not under -target.
//
//	go run ./bench/abuse [-authmock BINARY] [-target 64] [-settle 60s]
//
// Linux only (it reads /proc). Every phase has a deadline and the server is
// killed when the program ends.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type options struct {
	authmock    string
	targetMiB   int
	settle      time.Duration
	hugeReqs    int
	bigReqs     int
	concurrency int
	nonReaders  int
	hold        time.Duration
	serverLog   string
}

func main() {
	var o options
	flag.StringVar(&o.authmock, "authmock", "", "authmock `BINARY` to test (default: go build ./cmd/authmock)")
	flag.IntVar(&o.targetMiB, "target", 64, "resident memory (`MiB`) the server must get back under")
	flag.DurationVar(&o.settle, "settle", time.Minute, "RSS must be under -target this long after the clients stop")
	flag.IntVar(&o.hugeReqs, "huge", 500, "requests with a 1000 KiB header")
	flag.IntVar(&o.bigReqs, "big", 2000, "requests just under the header limit (long query, 4 KiB headers)")
	flag.IntVar(&o.concurrency, "concurrency", 16, "concurrent senders")
	flag.IntVar(&o.nonReaders, "nonreaders", 50, "connections that never read their answer")
	flag.DurationVar(&o.hold, "hold", 15*time.Second, "how long the non-reading connections stay open")
	flag.StringVar(&o.serverLog, "server-log", "", "write the server's stderr to `FILE` (with GODEBUG=gctrace=1 in the environment, its GC trace)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // the whole run, build included
	defer cancel()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "abuse:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	bin := o.authmock
	if bin == "" {
		dir, err := os.MkdirTemp("", "authmock-abuse-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "authmock")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/authmock")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	srv, base, err := start(ctx, bin, o.serverLog)
	if err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	pid := srv.Process.Pid

	sampler := newSampler(pid)
	go sampler.run(ctx)
	time.Sleep(time.Second) // idle, for the baseline
	before, err := rss(pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "RSS before:            %6.1f MiB\n", mib(before))

	statuses := &counter{}
	huge := strings.Repeat("h", 1000<<10)
	if err := send(ctx, base+"/oidc/.well-known/openid-configuration", o.hugeReqs, o.concurrency, statuses, func(r *http.Request) {
		r.Header.Set("X-Pad", huge)
	}); err != nil {
		return fmt.Errorf("huge headers: %w", err)
	}
	fmt.Fprintf(out, "1000 KiB headers:      %d requests, answers %s\n", o.hugeReqs, statuses)

	statuses = &counter{}
	query := "?q=" + strings.Repeat("q", 36<<10)
	pad := strings.Repeat("p", 4<<10)
	if err := send(ctx, base+"/oidc/.well-known/openid-configuration"+query, o.bigReqs, o.concurrency, statuses, func(r *http.Request) {
		for i := range 5 {
			r.Header.Set("X-Pad-"+strconv.Itoa(i), pad)
		}
	}); err != nil {
		return fmt.Errorf("big requests: %w", err)
	}
	fmt.Fprintf(out, "36 KiB query + 20 KiB headers: %d requests, answers %s\n", o.bigReqs, statuses)

	held, err := nonReaders(ctx, base, o.nonReaders, o.hold)
	if err != nil {
		return fmt.Errorf("non-reading clients: %w", err)
	}
	fmt.Fprintf(out, "non-reading clients:   %d held the journal answer unread for %s, then left\n", held, o.hold)

	stopped := time.Now()
	peak := sampler.peak()
	fmt.Fprintf(out, "RSS peak:              %6.1f MiB\n", mib(peak))
	target := int64(o.targetMiB) << 20
	var under time.Duration = -1
	for {
		cur, err := rss(pid)
		if err != nil {
			return err
		}
		since := time.Since(stopped)
		if cur < target && under < 0 {
			under = since
			fmt.Fprintf(out, "RSS under %d MiB:      %6.1f MiB, %.1f s after the clients stopped\n", o.targetMiB, mib(cur), since.Seconds())
		}
		if since >= o.settle {
			fmt.Fprintf(out, "RSS after %-4s        %6.1f MiB\n", o.settle.String()+":", mib(cur))
			if cur >= target {
				return fmt.Errorf("RSS %.1f MiB %s after the clients stopped (target %d MiB)", mib(cur), o.settle, o.targetMiB)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// start runs authmock on a free loopback port and returns its base URL
// from the banner.
func start(ctx context.Context, bin, logFile string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0", "--log-level", "error")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = io.Discard
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return nil, "", err
		}
		defer f.Close() // the child has its own descriptor
		cmd.Stderr = f
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "authmock listening on "); ok {
				lines <- u
			}
		}
	}()
	select {
	case u := <-lines:
		return cmd, strings.TrimSpace(u), nil
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		return nil, "", errors.New("authmock did not start within 10s")
	}
}

type counter struct {
	mu sync.Mutex
	by map[string]int
}

func (c *counter) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]int{}
	}
	c.by[k]++
}

func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.by)
}

// send makes n requests from workers senders.
func send(ctx context.Context, url string, n, workers int, statuses *counter, edit func(*http.Request)) error {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					statuses.add(err.Error())
					continue
				}
				edit(req)
				res, err := client.Do(req)
				if err != nil {
					statuses.add("error")
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				statuses.add(strconv.Itoa(res.StatusCode))
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// nonReaders opens n connections that each ask for the journal with a tiny
// receive buffer and never read, holds them for hold, then closes them.
func nonReaders(ctx context.Context, base string, n int, hold time.Duration) (int, error) {
	host := strings.TrimPrefix(base, "http://")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range n {
		d := net.Dialer{Timeout: 5 * time.Second}
		c, err := d.DialContext(ctx, "tcp", host)
		if err != nil {
			return len(conns), err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		conns = append(conns, c)
		var req bytes.Buffer
		fmt.Fprintf(&req, "GET /_authmock/journal HTTP/1.1\r\nHost: %s\r\n\r\n", host)
		if _, err := c.Write(req.Bytes()); err != nil {
			return len(conns), err
		}
	}
	select {
	case <-ctx.Done():
		return len(conns), ctx.Err()
	case <-time.After(hold):
	}
	return len(conns), nil
}

// sampler records the peak RSS.
type sampler struct {
	pid int
	max atomic.Int64
}

func newSampler(pid int) *sampler { return &sampler{pid: pid} }

func (s *sampler) run(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if v, err := rss(s.pid); err == nil && v > s.max.Load() {
			s.max.Store(v)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) peak() int64 { return s.max.Load() }

// rss reads VmRSS of pid, in bytes.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
