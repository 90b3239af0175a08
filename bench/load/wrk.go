package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkScript makes wrk send the same request as tokenOnce.
const wrkScript = `wrk.method = "POST"
wrk.body = %q
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = %q
`

// runWrk loads url with wrk (github.com/wg/wrk, Debian package "wrk"):
// a warm-up run, uncounted, then the measured one, with the server's CPU
// time sampled around it. wrk is C and event-driven, so on a machine whose
// cores the servers share it takes far less of them than Go workers do;
// the request count and the percentiles come from its report.
func runWrk(ctx context.Context, url, dir string, workers int, warm, window time.Duration, pid int) (stats, error) {
	if status, body, err := tokenOnce(ctx, newLoadClient(1), url); err != nil || status != 200 {
		return stats{}, fmt.Errorf("first token request: status %d, %v: %s", status, err, clip(body, 300))
	}
	script, err := writeWrkScript(dir)
	if err != nil {
		return stats{}, err
	}
	if _, err := wrkFor(ctx, url, script, workers, warm); err != nil {
		return stats{}, err
	}
	c0, cpuErr := processCPU(pid)
	out, err := wrkFor(ctx, url, script, workers, window)
	if err != nil {
		return stats{}, err
	}
	s, err := parseWrk(out)
	if err != nil {
		return stats{}, err
	}
	if c1, err := processCPU(pid); err == nil && cpuErr == nil {
		s.serverCPU = c1 - c0
	}
	return s, nil
}

// wrkFor runs wrk with script against url for d and returns its report.
func wrkFor(ctx context.Context, url, script string, workers int, d time.Duration) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, d+drainTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "wrk", "-t", strconv.Itoa(min(workers, 2)), "-c", strconv.Itoa(workers),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds()))), // wrk counts whole seconds
		"--timeout", fmt.Sprintf("%ds", int(requestTimeout.Seconds())), "--latency", "-s", script, url)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk: %w: %s", err, clip(out, 500))
	}
	return string(out), nil
}

// writeWrkScript writes the Lua script that makes wrk send the
// client_credentials request of tokenOnce.
func writeWrkScript(dir string) (string, error) {
	script := filepath.Join(dir, "token.lua")
	return script, os.WriteFile(script, fmt.Appendf(nil, wrkScript, tokenRequestBody, basicAuth), 0o600)
}

var (
	wrkTotal   = regexp.MustCompile(`(\d+) requests in ([0-9.]+)(us|ms|s|m),`)
	wrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSocket  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkLatency = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkMax     = regexp.MustCompile(`(?m)^\s+Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)`)
)

// parseWrk reads wrk's report. wrk reports percentiles, not every latency,
// so the stats carry the 50th, 90th and 99th and the maximum, placed so
// that stats.p and stats.max return them.
func parseWrk(out string) (stats, error) {
	var s stats
	m := wrkTotal.FindStringSubmatch(out)
	if m == nil {
		return s, fmt.Errorf("wrk: no request count in its report: %s", clip([]byte(out), 500))
	}
	s.requests, _ = strconv.Atoi(m[1])
	s.elapsed = wrkDuration(m[2], m[3])
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		s.errors, _ = strconv.Atoi(m[1])
		s.firstError = m[0]
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, n := range m[1:] {
			v, _ := strconv.Atoi(n)
			s.errors += v
		}
		if s.firstError == "" {
			s.firstError = m[0]
		}
	}
	pct := map[string]time.Duration{}
	for _, m := range wrkLatency.FindAllStringSubmatch(out, -1) {
		pct[m[1]] = wrkDuration(m[2], m[3])
	}
	if len(pct) != 3 {
		return s, fmt.Errorf("wrk: no latency distribution in its report: %s", clip([]byte(out), 500))
	}
	var maxLat time.Duration
	if m := wrkMax.FindStringSubmatch(out); m != nil {
		maxLat = wrkDuration(m[1], m[2])
	}
	// 100 samples: p(50) is the 50th, p(90) the 90th, p(99) the 99th.
	s.latencies = make([]time.Duration, 100)
	for i := range s.latencies {
		switch {
		case i < 50:
			s.latencies[i] = pct["50"]
		case i < 90:
			s.latencies[i] = pct["90"]
		case i < 99:
			s.latencies[i] = pct["99"]
		default:
			s.latencies[i] = max(maxLat, pct["99"])
		}
	}
	return s, nil
}

func wrkDuration(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
	switch unit {
	case "us":
		return time.Duration(f * float64(time.Microsecond))
	case "ms":
		return time.Duration(f * float64(time.Millisecond))
	case "m":
		return time.Duration(f * float64(time.Minute))
	}
	return time.Duration(f * float64(time.Second))
}
