package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// defaultWatchRecheck is how often a watcher is called with no
// announcement: pub/sub delivers at most once, and a subscription that
// reconnected missed what was published meanwhile.
const defaultWatchRecheck = 10 * time.Second

// WithWatchRecheck calls every watcher (store.Shared's Watch) each d even
// when nothing was announced, so that a lost announcement delays a rebuild
// by d at most (default 10 s). Zero or less keeps the default.
func WithWatchRecheck(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.watchRecheck = d
		}
	}
}

// channel is the pub/sub channel of topic in this namespace. Channels are
// not keys: a reset leaves subscriptions alone.
func (ns *namespace) channel(topic string) string { return ns.base + "watch:" + topic }

// Announce implements store.Shared: one PUBLISH.
func (ns *namespace) Announce(ctx context.Context, topic string) error {
	return ns.b.rdb.Publish(ctx, ns.channel(topic), "changed").Err()
}

// Watch implements store.Shared with a subscription of its own, closed
// with the backend. It also calls fn every WithWatchRecheck interval.
func (ns *namespace) Watch(ctx context.Context, topic string, fn func()) error {
	ps := ns.b.rdb.Subscribe(ctx, ns.channel(topic))
	if _, err := ps.Receive(ctx); err != nil { // subscribed before returning: no change is missed
		_ = ps.Close()
		return fmt.Errorf("watch %s: %w", topic, err)
	}
	recheck := ns.b.cfg.watchRecheck
	if recheck <= 0 {
		recheck = defaultWatchRecheck
	}
	ns.b.Go(func(stop <-chan struct{}) {
		ch := ps.Channel()
		tick := time.NewTicker(recheck) // real time: it only paces the check
		defer tick.Stop()
		for {
			select {
			case <-stop:
				_ = ps.Close()
				return
			case _, ok := <-ch:
				if !ok {
					return
				}
				fn()
			case <-tick.C:
				fn()
			}
		}
	})
	return nil
}

var _ store.Shared = (*namespace)(nil)
