package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// tokenRequestBody is the client_credentials request every worker sends.
const tokenRequestBody = "grant_type=client_credentials&scope=api%3Aread"

// basicAuth is demo-service's HTTP Basic header value.
var basicAuth = "Basic " + b64std(bareClientID+":"+bareClientSecret)

// stats is one load window's outcome.
type stats struct {
	requests   int           // completed in the window, failed ones included
	errors     int           // non-200 responses and transport errors
	firstError string        // for the report
	elapsed    time.Duration // the measured window
	latencies  []time.Duration
	// serverCPU is the user+system CPU time the server process used in
	// the window (0 when unknown): CPU per request is the figure least
	// disturbed by the load generator sharing the cores.
	serverCPU time.Duration
}

// cpuPerRequest is the server's CPU time per request in the window.
func (s stats) cpuPerRequest() time.Duration {
	if s.requests == 0 || s.serverCPU <= 0 {
		return 0
	}
	return s.serverCPU / time.Duration(s.requests)
}

func (s stats) rps() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.requests) / s.elapsed.Seconds()
}

// p returns the q-th percentile of the latencies (nearest rank).
func (s stats) p(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	i := int(q/100*float64(len(s.latencies))+0.5) - 1
	i = max(0, min(i, len(s.latencies)-1))
	return s.latencies[i]
}

func (s stats) max() time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[len(s.latencies)-1]
}

// newLoadClient is a client whose transport keeps one idle connection per
// worker, so every worker reuses its connection.
func newLoadClient(workers int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        workers,
			MaxIdleConnsPerHost: workers,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// runLoad sends token requests to url from workers goroutines: warm-up
// first, uncounted, then the measured window. Requests that complete inside
// the window are counted; every phase ends by its deadline. The CPU time of
// process pid is sampled at both ends of the window.
func runLoad(ctx context.Context, url string, workers int, warm, window time.Duration, pid int) (stats, error) {
	client := newLoadClient(workers)
	defer client.CloseIdleConnections()

	// One request first: a server that cannot answer at all fails fast
	// with its answer instead of a window full of errors.
	if status, body, err := tokenOnce(ctx, client, url); err != nil || status != http.StatusOK {
		return stats{}, fmt.Errorf("first token request: status %d, %v: %s", status, err, clip(body, 300))
	}

	start := time.Now()
	measureFrom := start.Add(warm)
	measureTo := measureFrom.Add(window)
	lctx, cancel := context.WithDeadline(ctx, measureTo.Add(drainTimeout))
	defer cancel()

	per := make([]stats, workers)
	serverCPU := sampleCPU(lctx, pid, measureFrom, measureTo)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(ws *stats) {
			defer wg.Done()
			ws.latencies = make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(measureTo) || lctx.Err() != nil {
					return
				}
				status, body, err := tokenOnce(lctx, client, url)
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(measureTo) {
					continue // warm-up, or finished after the window closed
				}
				ws.requests++
				if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`"access_token"`)) {
					ws.errors++
					if ws.firstError == "" {
						ws.firstError = fmt.Sprintf("status %d, %v: %s", status, err, clip(body, 200))
					}
					continue
				}
				ws.latencies = append(ws.latencies, t1.Sub(t0))
			}
		}(&per[w])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return stats{}, err
	}
	return mergeStats(per, window, <-serverCPU), nil // the CPU is ready at measureTo, before the workers end, or with lctx
}

// mergeStats adds up the workers' windows into one, latencies sorted.
func mergeStats(per []stats, window, serverCPU time.Duration) stats {
	s := stats{elapsed: window, serverCPU: serverCPU}
	for _, ws := range per {
		s.requests += ws.requests
		s.errors += ws.errors
		if s.firstError == "" {
			s.firstError = ws.firstError
		}
		s.latencies = append(s.latencies, ws.latencies...)
	}
	slices.Sort(s.latencies)
	return s
}

// sampleCPU yields the CPU time process pid uses between from and to (0
// when unknown or when ctx ends first).
func sampleCPU(ctx context.Context, pid int, from, to time.Time) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	go func() {
		var used time.Duration
		defer func() { out <- used }()
		if !sleepUntil(ctx, from) {
			return
		}
		c0, err := processCPU(pid)
		if err != nil || !sleepUntil(ctx, to) {
			return
		}
		if c1, err := processCPU(pid); err == nil {
			used = c1 - c0
		}
	}()
	return out
}

// sleepUntil waits for t or for ctx to end, reporting which came first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// tokenOnce sends one client_credentials request and reads the whole body.
func tokenOnce(ctx context.Context, client *http.Client, url string) (int, []byte, error) {
	return postForm(ctx, client, url, tokenRequestBody, basicAuth)
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
