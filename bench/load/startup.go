package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// measureStartup spawns authmock (default configuration) on a port chosen
// beforehand and polls its token endpoint every millisecond until it
// answers 200: the time a test suite waits before its first token.
func measureStartup(ctx context.Context, o options, procs *children, bin string, out io.Writer) error {
	var toToken, toBanner []time.Duration
	for range o.startRuns {
		tok, banner, err := startupOnce(ctx, procs, bin)
		if err != nil {
			return fmt.Errorf("process start to first token: %w", err)
		}
		toToken = append(toToken, tok)
		toBanner = append(toBanner, banner)
	}
	fmt.Fprintf(out, "process start to first token (authmock, default config, RS256; poll every 1 ms; %d runs):\n", o.startRuns)
	fmt.Fprintf(out, "  median %s  min %s  max %s  (banner line printed: median %s)\n",
		fmtDur(median(toToken)), fmtDur(slices.Min(toToken)), fmtDur(slices.Max(toToken)), fmtDur(median(toBanner)))
	return nil
}

func startupOnce(ctx context.Context, procs *children, bin string) (toToken, toBanner time.Duration, err error) {
	port, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/oidc/token", port)
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()

	t0 := time.Now()
	c, banner, err := procs.spawn("authmock", bin, authmockArgs("", fmt.Sprintf("127.0.0.1:%d", port)))
	if err != nil {
		return 0, 0, err
	}
	defer c.stop()
	bannerAt := make(chan time.Time, 1)
	go func() {
		<-banner
		bannerAt <- time.Now()
	}()

	deadline := t0.Add(firstTokenLimit)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		status, _, _ := tokenOnce(ctx, client, url)
		if status == http.StatusOK {
			toToken = time.Since(t0)
			break
		}
		select {
		case <-c.done:
			return 0, 0, fmt.Errorf("authmock exited; stderr: %s", c.stderr)
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case now := <-tick.C:
			if now.After(deadline) {
				return 0, 0, fmt.Errorf("no token within %s (last status %d); stderr: %s", firstTokenLimit, status, c.stderr)
			}
		}
	}
	select {
	case at := <-bannerAt:
		toBanner = at.Sub(t0)
	case <-time.After(startTimeout):
		return 0, 0, fmt.Errorf("no banner line within %s", startTimeout)
	}
	return toToken, toBanner, nil
}

// measureIdleRSS starts authmock and the bare baseline (RS256), gets one
// token from each, waits a second and reads VmRSS.
func measureIdleRSS(ctx context.Context, procs *children, bin, self string, out io.Writer) error {
	fmt.Fprintf(out, "idle RSS after start-up and one token, %s idle (VmRSS):\n", idleBeforeRSS)
	for _, s := range []struct {
		name, bin string
		args      []string
	}{
		{"authmock", bin, authmockArgs("", "127.0.0.1:0")},
		{"bare", self, []string{"-serve-bare", "RS256"}},
	} {
		c, err := procs.start(ctx, s.name, s.bin, s.args)
		if err != nil {
			return err
		}
		client := newLoadClient(1)
		status, body, err := tokenOnce(ctx, client, c.baseURL+"/oidc/token")
		client.CloseIdleConnections()
		if err != nil || status != http.StatusOK {
			c.stop()
			return fmt.Errorf("%s: token for the RSS measurement: status %d, %v: %s", s.name, status, err, clip(body, 200))
		}
		select {
		case <-time.After(idleBeforeRSS):
		case <-ctx.Done():
			c.stop()
			return ctx.Err()
		}
		rss, err := vmRSS(c.cmd.Process.Pid)
		c.stop()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-8s %s\n", s.name, rss)
	}
	return nil
}

// vmRSS reads the VmRSS line of /proc/PID/status ("23456 kB"), formatted
// in MiB too.
func vmRSS(pid int) (string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", fmt.Errorf("reading RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			v = strings.TrimSpace(v)
			kb, err := strconv.Atoi(strings.TrimSuffix(v, " kB"))
			if err != nil {
				return v, nil
			}
			return fmt.Sprintf("%d kB (%.1f MiB)", kb, float64(kb)/1024), nil
		}
	}
	return "", fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// median is the middle value of v (the mean of the two middle ones for
// an even count), 0 for none.
func median[T time.Duration | float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times; 100 on
// every Linux platform Go supports.
const clockTicks = 100

// processCPU returns the user+system CPU time process pid has used, from
// /proc/PID/stat (Linux only; an error elsewhere).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// "pid (comm) state ppid ...": comm may hold spaces, so split after
	// its closing parenthesis; utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}
