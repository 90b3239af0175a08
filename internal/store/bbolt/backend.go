package bbolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

const (
	defaultSweepEvery    = 1024
	defaultSweepInterval = 5 * time.Second
	defaultLockTimeout   = 2 * time.Second
	// sweepBatch bounds what one sweep drops, so a sweep riding on a write
	// never makes that write slow; the timer catches up on the rest.
	sweepBatch = 4096
)

// Option configures a Backend.
type Option func(*config)

type config struct {
	sweepEvery    int
	sweepInterval time.Duration
	lockTimeout   time.Duration
	noSync        bool
	wall          clock.Clock
}

// WithSweepEvery sweeps a namespace once every n writes to it (default
// 1024). Values below 1 are ignored.
func WithSweepEvery(n int) Option {
	return func(c *config) {
		if n >= 1 {
			c.sweepEvery = n
		}
	}
}

// WithSweepInterval sweeps every namespace on a timer as well (default 5 s).
// Zero or less turns the timer off.
func WithSweepInterval(d time.Duration) Option {
	return func(c *config) { c.sweepInterval = d }
}

// WithLockTimeout sets how long Open waits for another process to release
// the file (default 2 s).
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lockTimeout = d
		}
	}
}

// WithNoSync skips the fsync after each commit: much faster, but a power
// loss (not a process crash) can lose the last commits. For tests.
func WithNoSync() Option {
	return func(c *config) { c.noSync = true }
}

// WithWallClock sets the clock a mark's real-time life is measured on
// (store.Liveness); default the system clock.
func WithWallClock(wall clock.Clock) Option {
	return func(c *config) {
		if wall != nil {
			c.wall = wall
		}
	}
}

// ErrLocked means another process holds the database file.
var ErrLocked = errors.New("store file is in use by another process")

// Backend keeps every namespace in one bbolt file.
type Backend struct {
	db   *bolt.DB
	path string
	clk  clock.Clock
	cfg  config

	mu         sync.Mutex
	namespaces map[string]*namespace

	writes atomic.Int64 // since the last amortised sweep

	bg        *store.Background // the sweep timer
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if need be) the database at path, judging expiry by
// clk. A file held by another process gives ErrLocked after the lock
// timeout.
func Open(path string, clk clock.Clock, opts ...Option) (*Backend, error) {
	cfg := config{sweepEvery: defaultSweepEvery, sweepInterval: defaultSweepInterval, lockTimeout: defaultLockTimeout, wall: clock.System{}}
	for _, o := range opts {
		o(&cfg)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: cfg.lockTimeout, NoSync: cfg.noSync, NoFreelistSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("file store %s: %w (waited %v for its lock)", path, ErrLocked, cfg.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("file store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bktRoot)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("file store %s: %w", path, err)
	}
	b := &Backend{db: db, path: path, clk: clk, cfg: cfg, namespaces: make(map[string]*namespace), bg: store.NewBackground()}
	b.bg.Every(cfg.sweepInterval, func() { _ = b.SweepAll() })
	return b, nil
}

// Path returns the database file's path.
func (b *Backend) Path() string { return b.path }

// SweepAll drops what has expired in every namespace now.
func (b *Backend) SweepAll() error {
	var names [][]byte
	if err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktRoot).ForEachBucket(func(k []byte) error {
			names = append(names, append([]byte(nil), k...))
			return nil
		})
	}); err != nil {
		return err
	}
	for _, name := range names {
		for {
			full := false
			if err := b.db.Update(func(tx *bolt.Tx) error {
				nb := tx.Bucket(bktRoot).Bucket(name)
				if nb == nil {
					return nil
				}
				full = sweep(nb, b.clk.Now(), b.cfg.wall.Now(), sweepBatch)
				return nil
			}); err != nil {
				return err
			}
			if !full {
				break
			}
		}
	}
	return nil
}

// Namespace returns the store of one provider instance.
func (b *Backend) Namespace(name string) store.Store {
	b.mu.Lock()
	defer b.mu.Unlock()
	ns, ok := b.namespaces[name]
	if !ok {
		ns = &namespace{b: b, name: []byte(name)}
		b.namespaces[name] = ns
	}
	return ns
}

// Reset forgets everything in one namespace.
func (b *Backend) Reset(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		err := tx.Bucket(bktRoot).DeleteBucket([]byte(name))
		if errors.Is(err, bolterrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
}

// ResetAll forgets everything in every namespace, in one transaction.
func (b *Backend) ResetAll(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bktRoot); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bktRoot)
		return err
	})
}

// Close stops the sweep timer and closes the file, releasing its lock.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		b.bg.Stop()
		b.closeErr = b.db.Close()
	})
	return b.closeErr
}

// namespace is one provider instance's store: its own bucket.
type namespace struct {
	b    *Backend
	name []byte
}

// tx is one namespace's view inside a transaction.
type tx struct {
	ns   *namespace
	now  time.Time
	c, t *bolt.Bucket
	f, r *bolt.Bucket
	m, o *bolt.Bucket
	x, y *bolt.Bucket
}

func (ns *namespace) bind(nb *bolt.Bucket) *tx {
	return &tx{ns: ns, now: ns.b.clk.Now(),
		c: nb.Bucket(bktCodes), t: nb.Bucket(bktTokens), f: nb.Bucket(bktFamilies), r: nb.Bucket(bktRecords),
		m: nb.Bucket(bktMarks), o: nb.Bucket(bktCutoffs), x: nb.Bucket(bktExpiry), y: nb.Bucket(bktMarkIdx)}
}

// update runs fn in one read-write transaction on the namespace's bucket,
// creating it on first use. fn's error rolls everything back. Every
// sweepEvery writes it sweeps in the same transaction.
func (ns *namespace) update(ctx context.Context, fn func(*tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sweepNow := ns.b.writes.Add(1)%int64(ns.b.cfg.sweepEvery) == 0
	return ns.b.db.Update(func(btx *bolt.Tx) error {
		nb, err := btx.Bucket(bktRoot).CreateBucketIfNotExists(ns.name)
		if err != nil {
			return err
		}
		for _, s := range subBuckets {
			if _, err := nb.CreateBucketIfNotExists(s); err != nil {
				return err
			}
		}
		t := ns.bind(nb)
		if err := fn(t); err != nil {
			return err
		}
		if sweepNow {
			sweep(nb, ns.b.clk.Now(), ns.b.cfg.wall.Now(), sweepBatch)
		}
		return nil
	})
}

// view runs fn in a read-only transaction; found is false when the
// namespace has no bucket yet (it is empty).
func (ns *namespace) view(ctx context.Context, fn func(*tx) error) (found bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	err = ns.b.db.View(func(btx *bolt.Tx) error {
		nb := btx.Bucket(bktRoot).Bucket(ns.name)
		if nb == nil || nb.Bucket(bktCodes) == nil {
			return nil
		}
		found = true
		return fn(ns.bind(nb))
	})
	return found, err
}

var (
	_ store.Backend = (*Backend)(nil)
	_ store.Store   = (*namespace)(nil)
)
