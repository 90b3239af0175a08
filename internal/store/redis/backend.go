package redis

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

const (
	defaultSweepEvery    = 1024
	defaultSweepInterval = 5 * time.Second
	defaultDialTimeout   = 2 * time.Second
	sweepBatch           = 1000
	// tombstoneLife: as in package memory.
	tombstoneLife = 24 * time.Hour
	// casRetries bounds UpdateRecord's optimistic retries under contention.
	casRetries = 10_000
)

// Option configures a Backend.
type Option func(*config)

type config struct {
	sweepEvery    int
	sweepInterval time.Duration
	dialTimeout   time.Duration
	watchRecheck  time.Duration // see WithWatchRecheck
	wall          clock.Clock
}

// WithSweepEvery sweeps a namespace once every n writes through this
// process (default 1024). Values below 1 are ignored.
func WithSweepEvery(n int) Option {
	return func(c *config) {
		if n >= 1 {
			c.sweepEvery = n
		}
	}
}

// WithSweepInterval sweeps every namespace this process has used on a timer
// as well (default 5 s). Zero or less turns the timer off.
func WithSweepInterval(d time.Duration) Option {
	return func(c *config) { c.sweepInterval = d }
}

// WithDialTimeout bounds connecting to Redis, and so how long Open takes to
// report an unreachable server (default 2 s).
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.dialTimeout = d
		}
	}
}

// WithWallClock sets the clock a mark's real-time life is measured on.
func WithWallClock(wall clock.Clock) Option {
	return func(c *config) {
		if wall != nil {
			c.wall = wall
		}
	}
}

// Backend keeps every namespace in one Redis database, under a key prefix.
type Backend struct {
	rdb    *goredis.Client
	prefix string
	url    string // redacted, for errors
	clk    clock.Clock
	cfg    config

	mu         sync.Mutex
	namespaces map[string]*namespace

	writes atomic.Int64

	stripes [64]sync.Mutex // see UpdateRecord

	bg        *store.Background // the sweep timer and the subscriptions of Go
	closeOnce sync.Once
	closeErr  error
}

// ParseURL splits a store URL, redis://[user:password@]HOST:PORT[/DB]
// [?prefix=P], into go-redis options and the key prefix. Other query
// parameters are go-redis's own (dial_timeout, pool_size, ...).
func ParseURL(raw string) (*goredis.Options, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", fmt.Errorf("redis store URL: %w", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, "", fmt.Errorf("redis store URL %s: the scheme must be redis:// or rediss://", u.Redacted())
	}
	q := u.Query()
	prefix := q.Get("prefix")
	q.Del("prefix")
	u.RawQuery = q.Encode()
	opts, err := goredis.ParseURL(u.String())
	if err != nil {
		return nil, "", fmt.Errorf("redis store URL %s: %w", u.Redacted(), err)
	}
	return opts, prefix, nil
}

// Redact returns the URL with its password hidden, for messages.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Open connects to the Redis at rawURL and checks it answers: an
// unreachable server is an error naming the URL after the dial timeout,
// never a hang.
func Open(ctx context.Context, rawURL string, clk clock.Clock, opts ...Option) (*Backend, error) {
	cfg := config{sweepEvery: defaultSweepEvery, sweepInterval: defaultSweepInterval, dialTimeout: defaultDialTimeout, wall: clock.System{}}
	for _, o := range opts {
		o(&cfg)
	}
	ropts, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	ropts.DialTimeout = cfg.dialTimeout
	ropts.MaxRetries = 1
	rdb := goredis.NewClient(ropts)
	pctx, cancel := context.WithTimeout(ctx, cfg.dialTimeout+time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis store %s is not reachable: %w", Redact(rawURL), err)
	}
	b := &Backend{rdb: rdb, prefix: prefix, url: Redact(rawURL), clk: clk, cfg: cfg, namespaces: make(map[string]*namespace), bg: store.NewBackground()}
	b.bg.Every(cfg.sweepInterval, func() {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.sweepInterval)
		defer cancel()
		_ = b.SweepAll(ctx)
	})
	return b, nil
}

// Client returns the connection, for state shared beside the store.
func (b *Backend) Client() *goredis.Client { return b.rdb }

// Go runs fn until Close, which closes stop and waits for fn to return:
// for work beside the store that shares the connection (a subscription).
func (b *Backend) Go(fn func(stop <-chan struct{})) { b.bg.Go(fn) }

// Prefix returns the key prefix.
func (b *Backend) Prefix() string { return b.prefix }

// SweepAll drops what has expired in every namespace this process has
// used. Replicas sweep the namespaces they share; a sweep is one script,
// so two of them at once are harmless.
func (b *Backend) SweepAll(ctx context.Context) error {
	b.mu.Lock()
	all := make([]*namespace, 0, len(b.namespaces))
	for _, ns := range b.namespaces {
		all = append(all, ns)
	}
	b.mu.Unlock()
	for _, ns := range all {
		for {
			n, err := ns.sweep(ctx)
			if err != nil {
				return err
			}
			if n < sweepBatch {
				break
			}
		}
	}
	return nil
}

// stripe returns the lock for key among b.stripes.
func (b *Backend) stripe(key string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return &b.stripes[h.Sum32()%uint32(len(b.stripes))]
}

// Namespace returns the store of one provider instance.
func (b *Backend) Namespace(name string) store.Store {
	b.mu.Lock()
	defer b.mu.Unlock()
	ns, ok := b.namespaces[name]
	if !ok {
		ns = &namespace{b: b, base: b.prefix + "{" + name + "}:"}
		b.namespaces[name] = ns
	}
	return ns
}

// Reset forgets everything in one namespace. It deletes the namespace's
// keys in batches, so it is not atomic against concurrent writes; resets
// happen between tests.
func (b *Backend) Reset(ctx context.Context, name string) error {
	return b.deleteMatching(ctx, globEscape(b.prefix+"{"+name+"}:")+"*")
}

// ResetAll forgets every namespace under this backend's prefix.
func (b *Backend) ResetAll(ctx context.Context) error {
	return b.deleteMatching(ctx, globEscape(b.prefix+"{")+"*")
}

func (b *Backend) deleteMatching(ctx context.Context, pattern string) error {
	iter := b.rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 500 {
			if err := b.rdb.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return b.rdb.Unlink(ctx, batch...).Err()
	}
	return nil
}

// globEscape quotes the characters SCAN MATCH treats specially.
func globEscape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// Close stops the sweep timer and closes the connection pool.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		b.bg.Stop()
		b.closeErr = b.rdb.Close()
	})
	return b.closeErr
}

// namespace is one provider instance's keys: base is prefix{name}:. The
// braces make the namespace's keys one hash slot, as Lua scripts that
// touch several keys need on a cluster.
type namespace struct {
	b    *Backend
	base string
}

// run runs a script with the namespace's base and the clock as its first
// arguments.
func (ns *namespace) run(ctx context.Context, s *goredis.Script, args ...any) (any, error) {
	now := ns.b.clk.Now()
	all := append([]any{ns.base, pad(nanos(now)), now.Unix()}, args...)
	v, err := s.Run(ctx, ns.b.rdb, nil, all...).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	return v, err
}

// wrote counts a write and sweeps every sweepEvery of them.
func (ns *namespace) wrote(ctx context.Context) {
	if ns.b.writes.Add(1)%int64(ns.b.cfg.sweepEvery) == 0 {
		_, _ = ns.sweep(ctx)
	}
}

func (ns *namespace) sweep(ctx context.Context) (int64, error) {
	v, err := ns.run(ctx, sweep, pad(nanos(ns.b.cfg.wall.Now())), sweepBatch)
	if err != nil {
		return 0, err
	}
	n, _ := v.(int64)
	return n, nil
}

var (
	_ store.Backend = (*Backend)(nil)
	_ store.Store   = (*namespace)(nil)
)
