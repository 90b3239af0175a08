package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// adminTimeout bounds one admin call: revoking by client on a store that
// scans every token record took many seconds before issue 11.
const adminTimeout = 90 * time.Second

// adminCall is one timed call of the admin API.
type adminCall struct {
	path, body string
	took       time.Duration
	status     int
	answer     string
}

// postAdmin sends a JSON body to the admin API and times the call.
// Non-browser clients need no special header for state-changing calls.
func postAdmin(ctx context.Context, baseURL, path, body string) (adminCall, error) {
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	c := adminCall{path: path, body: body}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+path, strings.NewReader(body))
	if err != nil {
		return c, err
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: adminTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		c.took = time.Since(t0)
		return c, fmt.Errorf("POST %s %s: %w (after %s)", path, body, err, fmtDur(c.took))
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	c.took = time.Since(t0)
	c.status, c.answer = res.StatusCode, strings.TrimSpace(string(b))
	if err != nil {
		return c, err
	}
	if res.StatusCode != http.StatusOK {
		return c, fmt.Errorf("POST %s %s: status %d: %s", path, body, res.StatusCode, clip(b, 300))
	}
	return c, nil
}

// tokenCounts is the answer of tokens/revoke and tokens/expire.
type tokenCounts struct {
	Access  int `json:"access_tokens"`
	Refresh int `json:"refresh_tokens"`
}

func (c adminCall) counts() string {
	var tc tokenCounts
	if err := json.Unmarshal([]byte(c.answer), &tc); err != nil {
		return clip([]byte(c.answer), 60)
	}
	return fmt.Sprintf("%d access, %d refresh", tc.Access, tc.Refresh)
}

// selectorTiming is one admin selector call repeated: the counts come from
// the first call (later ones find the tokens already changed), the time is
// the median.
type selectorTiming struct {
	label  string // "after the soak", "after 1M refresh tokens"
	path   string
	body   string
	calls  []time.Duration
	counts string
	err    error
}

// timeSelector calls path with body up to n times. A call slower than
// slowCall is not repeated: the figure is clear from one, and the run
// stays bounded.
func timeSelector(ctx context.Context, baseURL, label, path, body string, n int) selectorTiming {
	const slowCall = 5 * time.Second
	t := selectorTiming{label: label, path: path, body: body}
	for i := range n {
		c, err := postAdmin(ctx, baseURL, path, body)
		if err != nil {
			t.err = err
			return t
		}
		if i == 0 {
			t.counts = c.counts()
		}
		t.calls = append(t.calls, c.took)
		if c.took > slowCall {
			break
		}
	}
	return t
}

func printSelectorTimings(out io.Writer, ts []selectorTiming, bar time.Duration) {
	fmt.Fprintln(out, "| state | call | body | calls | median | max | first answer | ≤ bar |")
	fmt.Fprintln(out, "|---|---|---|---:|---:|---:|---|---|")
	for _, t := range ts {
		if t.err != nil && len(t.calls) == 0 {
			fmt.Fprintf(out, "| %s | %s | `%s` | 0 | - | - | error: %v | no |\n", t.label, t.path, t.body, t.err)
			continue
		}
		med := median(t.calls)
		fmt.Fprintf(out, "| %s | %s | `%s` | %d | %s | %s | %s | %s |\n",
			t.label, t.path, t.body, len(t.calls), fmtMS(med), fmtMS(slices.Max(t.calls)), t.counts, yesNo(med <= bar))
	}
}

func fmtMS(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// rssBytes reads VmRSS of pid from /proc/PID/status, in bytes.
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading RSS: %w", err)
	}
	return parseVmRSS(b)
}

// parseVmRSS finds the "VmRSS:   23456 kB" line of a /proc status file.
func parseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("malformed VmRSS line %q", sc.Text())
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS line")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
