package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// refreshRSSBar is issue 11's bar for 1,000,000 live refresh tokens.
const refreshRSSBar = 300 << 20

// passwordRequestBody is the refresh-capable grant the refresh phase sends:
// demo-web signs alice in with her fixture password (fixtures/defaults/oidc.json).
const passwordRequestBody = "grant_type=password&username=alice&password=alice-password&scope=openid+offline_access"

var demoWebAuth = "Basic " + b64std("demo-web:demo-web-secret")

// restWait is the pause between the last token and the at-rest reading.
const restWait = 25 * time.Second

// maxRefreshErrors ends the issuing early: a server that refuses (a full
// store answers 500) will not start accepting again.
const maxRefreshErrors = 1000

// refreshResult is the refresh phase's outcome.
type refreshResult struct {
	want, issued, errors int
	firstError           string
	took                 time.Duration
	before               int64       // RSS after one token
	milestones           []rssSample // at is unused; see counts
	counts               []int       // tokens issued at each milestone
	atRest               int64       // RSS rssEvery after the last token
	afterAdmin           int64       // RSS after the user's revoke and expire calls (-1: not made)
	timings              []selectorTiming
	advance              string
	afterExpiry          []rssSample // every second after the clock moved
}

// runRefresh issues o.refreshTokens refresh tokens through the password
// grant, with RSS at every quarter, times expire and revoke by user, then
// moves the admin clock past the tokens' expiry and watches RSS for
// o.settle.
func runRefresh(ctx context.Context, o options, p *child, out io.Writer) (refreshResult, error) {
	r := refreshResult{want: o.refreshTokens, afterAdmin: -1, advance: o.advance}
	pid := p.cmd.Process.Pid
	url := p.baseURL + "/oidc/token"
	client := newLoadClient(o.concurrency)
	defer client.CloseIdleConnections()

	status, body, err := postForm(ctx, client, url, passwordRequestBody, demoWebAuth)
	if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`"refresh_token"`)) {
		return r, fmt.Errorf("first password grant: status %d, %v: %s", status, err, clip(body, 300))
	}
	if r.before, err = rssBytes(pid); err != nil {
		return r, err
	}
	fmt.Fprintf(out, "refresh: %d password grants (demo-web, alice, offline_access) from %d workers, at most %s ... ",
		o.refreshTokens, o.concurrency, o.refreshLimit)

	lctx, cancel := context.WithTimeout(ctx, o.refreshLimit)
	defer cancel()
	var issued, failed atomic.Int64
	var firstErr atomic.Value
	start := time.Now()

	// Milestones: RSS each time another quarter of the tokens is out.
	quarter := max(1, o.refreshTokens/4)
	msDone := make(chan struct{})
	go func() {
		defer close(msDone)
		next := quarter
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for next <= o.refreshTokens {
			select {
			case <-lctx.Done():
				return
			case <-tick.C:
			}
			if n := int(issued.Load()); n >= next {
				if v, err := rssBytes(pid); err == nil {
					r.milestones = append(r.milestones, rssSample{at: time.Since(start), rss: v})
					r.counts = append(r.counts, n)
				}
				for next <= n {
					next += quarter
				}
			}
		}
	}()

	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lctx.Err() == nil && int(issued.Load()) < o.refreshTokens && failed.Load() < maxRefreshErrors {
				status, body, err := postForm(lctx, client, url, passwordRequestBody, demoWebAuth)
				if lctx.Err() != nil {
					return
				}
				if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`"refresh_token"`)) {
					if failed.Add(1) == 1 {
						firstErr.Store(fmt.Sprintf("after %d tokens: status %d, %v: %s", issued.Load(), status, err, clip(body, 200)))
					}
					continue
				}
				issued.Add(1)
			}
		}()
	}
	wg.Wait()
	r.took = time.Since(start)
	cancel()
	<-msDone
	if err := ctx.Err(); err != nil {
		return r, err
	}
	r.issued, r.errors = int(issued.Load())+1, int(failed.Load()) // +1: the first grant
	if v, ok := firstErr.Load().(string); ok {
		r.firstError = v
	}
	fmt.Fprintf(out, "%d in %s (%.0f/s), %d errors\n", r.issued, r.took.Round(time.Second), float64(r.issued)/r.took.Seconds(), r.errors)

	// At rest: long enough for a sweep and for the server to hand the
	// garbage of the burst back once quiet (cmd/authmock/memory.go looks
	// every 10 s), so that what is measured is what the tokens hold.
	if !sleepUntil(ctx, time.Now().Add(restWait)) {
		return r, ctx.Err()
	}
	if r.atRest, err = rssBytes(pid); err != nil {
		return r, err
	}

	if o.adminCalls > 0 {
		label := fmt.Sprintf("after %d refresh tokens", r.issued)
		for _, c := range []string{"/tokens/expire", "/tokens/revoke"} {
			r.timings = append(r.timings, timeSelector(ctx, p.baseURL, label, "/_authmock/providers/oidc"+c, `{"username":"alice"}`, o.adminCalls))
		}
		if r.afterAdmin, err = rssBytes(pid); err != nil {
			return r, err
		}
	}

	fmt.Fprintf(out, "advancing the admin clock by %s, RSS every second for %s ... ", o.advance, o.settle)
	if _, err := postAdmin(ctx, p.baseURL, "/_authmock/clock/advance", fmt.Sprintf(`{"duration":%q}`, o.advance)); err != nil {
		return r, err
	}
	stop := make(chan struct{})
	start = time.Now()
	samples := sampleRSS(ctx, pid, start, time.Second, stop)
	ok := sleepUntil(ctx, start.Add(o.settle))
	close(stop)
	r.afterExpiry = <-samples
	if !ok {
		return r, ctx.Err()
	}
	if n := len(r.afterExpiry); n > 0 {
		fmt.Fprintf(out, "RSS %.1f MiB\n", mib(r.afterExpiry[n-1].rss))
	} else {
		fmt.Fprintln(out)
	}
	return r, nil
}

func printRefresh(out io.Writer, name string, r refreshResult) {
	fmt.Fprintf(out, "refresh tokens, %s: %d issued of %d in %s (%.0f/s), %d errors",
		name, r.issued, r.want, r.took.Round(time.Second), float64(r.issued)/max(r.took.Seconds(), 1e-9), r.errors)
	if r.firstError != "" {
		fmt.Fprintf(out, " (first: %s)", r.firstError)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| point | tokens | RSS | growth per token |")
	fmt.Fprintln(out, "|---|---:|---:|---:|")
	fmt.Fprintf(out, "| before | 1 | %.1f MiB | |\n", mib(r.before))
	perToken := func(rss int64, n int) string {
		if n <= 1 {
			return ""
		}
		return fmt.Sprintf("%.0f B", float64(rss-r.before)/float64(n-1))
	}
	for i, m := range r.milestones {
		fmt.Fprintf(out, "| issuing, %s | %d | %.1f MiB | %s |\n", m.at.Round(time.Second), r.counts[i], mib(m.rss), perToken(m.rss, r.counts[i]))
	}
	fmt.Fprintf(out, "| at rest, %s after the last | %d | %.1f MiB | %s |\n", restWait, r.issued, mib(r.atRest), perToken(r.atRest, r.issued))
	if r.afterAdmin >= 0 {
		fmt.Fprintf(out, "| after expire+revoke by user | %d | %.1f MiB | |\n", r.issued, mib(r.afterAdmin))
	}
	peak := max(r.atRest, r.afterAdmin)
	for _, want := range []time.Duration{5, 10, 20, 30, 45, 60, 90, 120} {
		if v := at(r.afterExpiry, want*time.Second); v >= 0 {
			fmt.Fprintf(out, "| clock +%s, then %ds | expired | %.1f MiB | |\n", r.advance, want, mib(v))
		}
	}
	final := int64(-1)
	if n := len(r.afterExpiry); n > 0 {
		final = r.afterExpiry[n-1].rss
	}
	returned := 0.0
	if peak > r.before && final >= 0 {
		returned = float64(peak-final) / float64(peak-r.before) * 100
	}
	fmt.Fprintf(out, "\nbar: %d refresh tokens ≤ %d MiB: %s (RSS %.1f MiB, growth %.1f MiB); after expiry %s, %.0f%% of the growth returned\n",
		r.issued, refreshRSSBar>>20, yesNo(r.issued >= r.want && r.atRest <= refreshRSSBar), mib(r.atRest), mib(r.atRest-r.before), fmtMiB(final), returned)
}

// postForm sends one form POST with an Authorization header and reads the
// whole answer.
func postForm(ctx context.Context, client *http.Client, url, body, auth string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", auth)
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, b, err
}
