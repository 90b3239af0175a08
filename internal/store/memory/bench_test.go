package memory_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

// The benchmarks run in a steady state: entries live for benchTTL and the
// clock moves benchStep every benchEvery operations (counted across
// goroutines), so sweeping keeps some 60,000 entries alive, as a busy
// emulator would, instead of letting the namespace grow with b.N. The TTL
// is generous so that a goroutine descheduled for a while does not find its
// own token expired.
const (
	benchTTL   = time.Hour
	benchStep  = time.Minute
	benchEvery = 1024
)

// benchClock is a frozen clock that moves as operations are done.
type benchClock struct {
	*clock.Controlled
	ops atomic.Uint64
}

// tick counts one operation and moves the clock every benchEvery of them.
func (c *benchClock) tick() {
	if c.ops.Add(1)%benchEvery == 0 {
		c.Advance(benchStep)
	}
}

func benchStore() (store.Store, *benchClock) {
	clk := &benchClock{Controlled: clock.NewFrozen(t0)}
	return memory.New(clk).Namespace("bench"), clk
}

// check stops a benchmark on err: with Fatal on the benchmark's goroutine,
// with Error (the only safe call) on a RunParallel one.
func check(b *testing.B, err error, parallel bool) bool {
	switch {
	case err == nil:
		return true
	case parallel:
		b.Error(err)
	default:
		b.Fatal(err)
	}
	return false
}

func benchGrant(family string) store.Grant {
	return store.Grant{
		FamilyID: family, ClientID: "client", Subject: "user", Scopes: []string{"openid", "profile", "offline_access"},
		RedirectURI: "https://rp.example/callback", Extra: map[string]string{"cloud_id": "42"},
	}
}

// namer hands out unique keys: a per-goroutine prefix and a counter.
type namer struct {
	buf []byte
	pre int
	n   uint64
}

var goroutineIDs atomic.Int64

func newNamer() *namer {
	id := goroutineIDs.Add(1)
	return &namer{buf: strconv.AppendInt(make([]byte, 0, 32), id, 10), pre: len(strconv.FormatInt(id, 10))}
}

func (n *namer) next() string {
	n.n++
	n.buf = strconv.AppendUint(append(n.buf[:n.pre], '-'), n.n, 10)
	return string(n.buf)
}

// BenchmarkConsumeCode measures a code's life: PutCode, then ConsumeCode.
func BenchmarkConsumeCode(b *testing.B) {
	run := func(st store.Store, clk *benchClock, n *namer) error {
		defer clk.tick()
		code, g := n.next(), benchGrant("fam")
		if err := st.PutCode(b.Context(), code, g, clk.Now().Add(benchTTL)); err != nil {
			return err
		}
		_, err := st.ConsumeCode(b.Context(), code, nil)
		return err
	}
	b.Run("serial", func(b *testing.B) {
		st, clk := benchStore()
		n := newNamer()
		b.ReportAllocs()
		for b.Loop() {
			check(b, run(st, clk, n), false)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		st, clk := benchStore()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			n := newNamer()
			for pb.Next() && check(b, run(st, clk, n), true) {
			}
		})
	})
}

// BenchmarkRotateRefresh measures one rotation along a chain; in parallel,
// each goroutine rotates its own family in the shared namespace.
func BenchmarkRotateRefresh(b *testing.B) {
	// chain issues a token in a family of its own and returns a func that
	// rotates it one step.
	chain := func(st store.Store, clk *benchClock) (func() error, error) {
		n := newNamer()
		cur := n.next()
		err := st.IssueRefresh(b.Context(), cur, store.RefreshRecord{Grant: benchGrant(cur), ExpiresAt: clk.Now().Add(benchTTL)})
		update := func(r store.RefreshRecord) (store.RefreshRecord, error) {
			r.IssuedAt = clk.Now()
			r.ExpiresAt = r.IssuedAt.Add(benchTTL)
			return r, nil
		}
		return func() error {
			defer clk.tick()
			next := n.next()
			_, err := st.RotateRefresh(b.Context(), cur, next, update)
			cur = next
			return err
		}, err
	}
	b.Run("serial", func(b *testing.B) {
		st, clk := benchStore()
		rotate, err := chain(st, clk)
		check(b, err, false)
		b.ReportAllocs()
		for b.Loop() {
			check(b, rotate(), false)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		st, clk := benchStore()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			rotate, err := chain(st, clk)
			if !check(b, err, true) {
				return
			}
			for pb.Next() && check(b, rotate(), true) {
			}
		})
	})
}

// BenchmarkRecords measures point operations over 1024 live records.
func BenchmarkRecords(b *testing.B) {
	const nkeys = 1024
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = "dotypos/binding/" + strconv.Itoa(i)
	}
	value := []byte(`{"cloud_id":"42","branch":"7","issued":"2030-01-02T03:04:05Z"}`)
	ops := []struct {
		name string
		do   func(st store.Store, key string) error
	}{
		{"Get", func(st store.Store, key string) error {
			_, err := st.GetRecord(b.Context(), key)
			return err
		}},
		{"Put", func(st store.Store, key string) error {
			return st.PutRecord(b.Context(), key, value, time.Time{})
		}},
		{"Update", func(st store.Store, key string) error {
			return st.UpdateRecord(b.Context(), key, func(old []byte, _ bool) ([]byte, time.Time, error) {
				return old, time.Time{}, nil
			})
		}},
	}
	setup := func(b *testing.B) store.Store {
		st, _ := benchStore()
		for _, k := range keys {
			if err := st.PutRecord(b.Context(), k, value, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
		return st
	}
	for _, op := range ops {
		b.Run(op.name+"/serial", func(b *testing.B) {
			st := setup(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				check(b, op.do(st, keys[i%nkeys]), false)
				i++
			}
		})
		b.Run(op.name+"/parallel", func(b *testing.B) {
			st := setup(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := int(goroutineIDs.Add(1)) * 97
				for ; pb.Next() && check(b, op.do(st, keys[i%nkeys]), true); i++ {
				}
			})
		})
	}
}

// BenchmarkIssueRefresh measures a login's refresh token: a new family per
// token, shaped as oidc's password grant makes them (a 43-character token,
// a 32-hex family id, one access stamp).
func BenchmarkIssueRefresh(b *testing.B) {
	run := func(st store.Store, clk *benchClock, n *namer) error {
		defer clk.tick()
		now := clk.Now()
		name := n.next()
		rec := store.RefreshRecord{
			Grant: store.Grant{
				FamilyID: fmt.Sprintf("%032x", name), ClientID: "demo-web", Subject: "3f1c9a52-7d1e-4c1b-9a43-2f0d6b8e1a01",
				Username: "alice", Scopes: []string{"openid", "offline_access"}, AuthTime: now,
			},
			IssuedAt: now, ExpiresAt: now.Add(benchTTL),
			Access: []store.AccessStamp{{Seq: n.n, Exp: now.Add(benchTTL).Unix()}},
		}
		return st.IssueRefresh(b.Context(), fmt.Sprintf("%-43s", name), rec)
	}
	b.Run("serial", func(b *testing.B) {
		st, clk := benchStore()
		n := newNamer()
		b.ReportAllocs()
		for b.Loop() {
			check(b, run(st, clk, n), false)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		st, clk := benchStore()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			n := newNamer()
			for pb.Next() && check(b, run(st, clk, n), true) {
			}
		})
	})
}
