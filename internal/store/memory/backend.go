package memory

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

const (
	defaultMaxEntries    = 4_000_000
	defaultSweepEvery    = 1024
	defaultSweepInterval = 5 * time.Second
)

// Option configures a Backend.
type Option func(*config)

type config struct {
	maxEntries    int
	sweepEvery    int
	sweepInterval time.Duration
	wall          clock.Clock
}

// WithMaxEntries caps the entries one namespace holds (default 4,000,000).
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

// WithSweepInterval sweeps every namespace on a timer as well, so that an
// idle server gives memory back (default 5 s). Zero or less turns the timer
// off.
func WithSweepInterval(d time.Duration) Option {
	return func(c *config) { c.sweepInterval = d }
}

// WithWallClock sets the clock a mark's real-time life is measured on
// (store.Liveness); default the system clock. Tests inject one.
func WithWallClock(wall clock.Clock) Option {
	return func(c *config) {
		if wall != nil {
			c.wall = wall
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

	bg *store.Background // the sweep timer
}

// New returns an empty Backend judging expiry by clk.
func New(clk clock.Clock, opts ...Option) *Backend {
	cfg := config{maxEntries: defaultMaxEntries, sweepEvery: defaultSweepEvery, sweepInterval: defaultSweepInterval, wall: clock.System{}}
	for _, o := range opts {
		o(&cfg)
	}
	b := &Backend{clk: clk, cfg: cfg, namespaces: make(map[string]*namespace), bg: store.NewBackground()}
	b.bg.Every(cfg.sweepInterval, b.SweepAll)
	return b
}

// SweepAll drops what has expired in every namespace now, and gives the
// memory of emptied maps back.
func (b *Backend) SweepAll() {
	for _, ns := range b.all() {
		ns.mu.Lock()
		ns.sweep()
		ns.mu.Unlock()
	}
}

func (b *Backend) all() []*namespace {
	b.mu.Lock()
	defer b.mu.Unlock()
	all := make([]*namespace, 0, len(b.namespaces))
	for _, ns := range b.namespaces {
		all = append(all, ns)
	}
	return all
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
	for _, ns := range b.all() {
		ns.reset()
	}
	return nil
}

// Close stops the sweep timer and waits for a sweep in progress.
func (b *Backend) Close() error {
	b.bg.Stop()
	return nil
}

// Len reports how many entries a namespace holds: codes (consumed ones
// included until they expire), refresh tokens (retired ones included),
// records, and families revoked before any token was issued into them.
// Marks and cut-offs are not entries (MarksLen counts marks). Expired
// entries count until they are swept. It is what WithMaxEntries bounds.
func (b *Backend) Len(name string) int {
	return b.count(name, (*namespace).len)
}

// MarksLen reports how many marks a namespace holds.
func (b *Backend) MarksLen(name string) int {
	return b.count(name, func(ns *namespace) int { return len(ns.marks) })
}

// count reads a number off a namespace under its lock; 0 for none.
func (b *Backend) count(name string, of func(*namespace) int) int {
	b.mu.Lock()
	ns := b.namespaces[name]
	b.mu.Unlock()
	if ns == nil {
		return 0
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return of(ns)
}

// namespace is one provider instance's store. Every exported method takes mu
// for its whole run, which is what makes consume, rotate and update atomic.
type namespace struct {
	clk  clock.Clock
	wall clock.Clock
	cfg  config

	mu     sync.Mutex
	writes int // since the last sweep

	salt salt         // for the keys of tokens and families (keys.go)
	seed maphash.Seed // for the indexes' slots (index.go)

	codes      map[string]*codeEntry
	tokens     index[*tokenEntry]
	families   index[*family]
	principals map[principalKey]*principal // interned; see intern.go
	lastWho    *principal                  // the principal acquired last
	records    map[string]*recordEntry

	marks               map[string]*mark
	markClock, markWall markHeap
	cutoffs             map[string]uint64
	peaks               peaks

	// Every entry sits in exactly one heap, ordered by expiry; see sweep.go.
	live, spent             entryHeap[*item]
	liveTokens, spentTokens entryHeap[*tokenEntry]
	seq                     uint64 // insertion counter, the tie-break among equal expiries
}

func newNamespace(clk clock.Clock, cfg config) *namespace {
	ns := &namespace{clk: clk, wall: cfg.wall, cfg: cfg, salt: newSalt(), seed: maphash.MakeSeed()}
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
	ns.tokens = newIndex[*tokenEntry](ns.seed)
	ns.families = newIndex[*family](ns.seed)
	ns.principals = make(map[principalKey]*principal)
	ns.lastWho = nil
	ns.records = make(map[string]*recordEntry)
	ns.marks = make(map[string]*mark)
	ns.markClock, ns.markWall = markHeap{}, markHeap{wall: true}
	ns.cutoffs = make(map[string]uint64)
	ns.peaks = peaks{}
	ns.live, ns.spent = nil, nil
	ns.liveTokens, ns.spentTokens = nil, nil
	ns.writes = 0
}

var (
	_ store.Backend = (*Backend)(nil)
	_ store.Store   = (*namespace)(nil)
)
