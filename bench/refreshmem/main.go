// Command refreshmem measures the Go heap one refresh token holds in the
// memory store (internal/store/memory), apart from the rest of the server,
// so that the load tool's RSS per refresh token (bench/load -mode refresh)
// can be split into the store's share and everything else.
//
//	go run ./bench/refreshmem [-n 1000000]
//
// It stores n refresh tokens shaped like those of oidc's password grant
// (a 43-character token, a 32-hex family id, client, subject, username,
// two scopes, one access stamp, a 720 h expiry), every string allocated
// afresh as a request's parsing would and dropped by the caller once
// stored, and reports the live heap per token after a full collection
// (whatever the store keeps, the token's text included if it keeps it),
// and the heap and entries after the clock has moved past their expiry and
// the store has swept.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

func main() {
	n := flag.Int("n", 1_000_000, "refresh tokens to store")
	flag.Parse()
	if *n < 1 || *n > 10_000_000 {
		fmt.Fprintln(os.Stderr, "refreshmem: -n must be between 1 and 10,000,000")
		os.Exit(2)
	}
	if err := run(*n); err != nil {
		fmt.Fprintf(os.Stderr, "refreshmem: %v\n", err)
		os.Exit(1)
	}
}

// heap is the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func run(n int) error {
	ctx := context.Background()
	clk := clock.NewControlled(clock.System{})
	b := memory.New(clk, memory.WithSweepInterval(0)) // swept by hand below
	defer b.Close()
	st := b.Namespace("oidc")

	raw := make([]byte, 32)
	base := heap()
	now := clk.Now()
	start := time.Now()
	for i := range n {
		_, _ = rand.Read(raw)
		tok := base64.RawURLEncoding.EncodeToString(raw)
		_, _ = rand.Read(raw[:16])
		rec := store.RefreshRecord{
			Grant: store.Grant{
				FamilyID: hex.EncodeToString(raw[:16]),
				ClientID: strings.Clone("demo-web"),
				Subject:  strings.Clone("3f1c9a52-7d1e-4c1b-9a43-2f0d6b8e1a01"),
				Username: strings.Clone("alice"),
				Scopes:   strings.Fields(strings.Clone("openid offline_access")),
				AuthTime: now,
				Seq:      uint64(i + 1),
			},
			IssuedAt:  now,
			ExpiresAt: now.Add(720 * time.Hour),
			Access:    []store.AccessStamp{{Seq: uint64(i + 1), Exp: now.Add(time.Hour).Unix()}},
		}
		if err := st.IssueRefresh(ctx, tok, rec); err != nil {
			return fmt.Errorf("token %d: %w", i, err)
		}
	}
	took := time.Since(start)
	full := heap()
	fmt.Printf("memory store, %d refresh tokens (password-grant shape) in %s: entries %d\n", n, took.Round(time.Millisecond), b.Len("oidc"))
	fmt.Printf("  live heap: before %.1f MiB, after %.1f MiB: %.0f B per token, all the store keeps\n",
		mib(base), mib(full), float64(full-base)/float64(n))

	clk.Advance(721 * time.Hour)
	b.SweepAll()
	debug.FreeOSMemory()
	after := heap()
	fmt.Printf("  after the clock moved 721 h and a sweep: live heap %.1f MiB, entries %d\n", mib(after), b.Len("oidc"))
	return nil
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
