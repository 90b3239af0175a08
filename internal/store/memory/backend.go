package memory

import (
	"context"
	"sync"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

const (
	defaultMaxEntries = 1_000_000
	defaultSweepEvery = 1024
)

// Option configures a Backend.
type Option func(*config)

type config struct {
	maxEntries int
	sweepEvery int
}

// WithMaxEntries caps the entries one namespace holds (default 1,000,000).
// Values below 1 are ignored. See Backend.Len for what counts as an entry.
func WithMaxEntries(n int) Option {
	return func(c *config) {
		if n >= 1 {
			c.maxEntries = n
		}
	}
}

// WithSweepEvery sweeps a namespace's expired entries once every n writes
// to it (default 1024). Values below 1 are ignored.
func WithSweepEvery(n int) Option {
	return func(c *config) {
		if n >= 1 {
			c.sweepEvery = n
		}
	}
}

// Backend keeps every namespace in memory. The zero value is not usable;
// call New.
type Backend struct {
	clk clock.Clock
	cfg config

	mu         sync.Mutex // guards namespaces only; each namespace locks itself
	namespaces map[string]*namespace
}

// New returns an empty Backend judging expiry by clk.
func New(clk clock.Clock, opts ...Option) *Backend {
	cfg := config{maxEntries: defaultMaxEntries, sweepEvery: defaultSweepEvery}
	for _, o := range opts {
		o(&cfg)
	}
	return &Backend{clk: clk, cfg: cfg, namespaces: make(map[string]*namespace)}
}

// Namespace returns the store of one provider instance, creating it on first
// use. The same name always returns the same store, across resets too.
func (b *Backend) Namespace(name string) store.Store {
	return b.namespace(name)
}

func (b *Backend) namespace(name string) *namespace {
	b.mu.Lock()
	defer b.mu.Unlock()
	ns, ok := b.namespaces[name]
	if !ok {
		ns = newNamespace(b.clk, b.cfg)
		b.namespaces[name] = ns
	}
	return ns
}

// Reset forgets everything in one namespace. The namespace itself stays, so
// stores handed out earlier keep working and see it empty.
func (b *Backend) Reset(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	ns := b.namespaces[name]
	b.mu.Unlock()
	if ns != nil {
		ns.reset()
	}
	return nil
}

// ResetAll forgets everything in every namespace. Each namespace is cleared
// under its own lock, so the reset is not one atomic snapshot; no caller
// needs it to be.
func (b *Backend) ResetAll(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	all := make([]*namespace, 0, len(b.namespaces))
	for _, ns := range b.namespaces {
		all = append(all, ns)
	}
	b.mu.Unlock()
	for _, ns := range all {
		ns.reset()
	}
	return nil
}

// Close does nothing: sweeping piggybacks on writes, so there is no
// background work to stop.
func (b *Backend) Close() error { return nil }

// Len reports how many entries a namespace holds: codes (consumed ones
// included until they expire), refresh tokens (retired ones included),
// revocations, records, and families revoked before any token was issued
// into them. Expired entries count until they are swept. It is what
// WithMaxEntries bounds.
func (b *Backend) Len(name string) int {
	b.mu.Lock()
	ns := b.namespaces[name]
	b.mu.Unlock()
	if ns == nil {
		return 0
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.len()
}

// namespace is one provider instance's store. Every exported method takes mu
// for its whole run, which is what makes consume, rotate and update atomic.
type namespace struct {
	clk clock.Clock
	cfg config

	mu     sync.Mutex
	writes int // since the last sweep

	codes    map[string]*codeEntry
	tokens   map[string]*tokenEntry
	families map[string]*family
	revoked  map[string]*revocation
	records  map[string]*recordEntry

	// Every entry sits in exactly one heap, ordered by expiry; see sweep.go.
	live, spent entryHeap
	seq         uint64 // insertion counter, the tie-break among equal expiries
}

func newNamespace(clk clock.Clock, cfg config) *namespace {
	ns := &namespace{clk: clk, cfg: cfg}
	ns.clear()
	return ns
}

func (ns *namespace) reset() {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	ns.clear()
}

func (ns *namespace) clear() {
	ns.codes = make(map[string]*codeEntry)
	ns.tokens = make(map[string]*tokenEntry)
	ns.families = make(map[string]*family)
	ns.revoked = make(map[string]*revocation)
	ns.records = make(map[string]*recordEntry)
	ns.live, ns.spent = nil, nil
	ns.writes = 0
}

var (
	_ store.Backend = (*Backend)(nil)
	_ store.Store   = (*namespace)(nil)
)
