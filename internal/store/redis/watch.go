package redis

import (
	"context"
	"fmt"

	"github.com/authmock/authmock/internal/store"
)

// channel is the pub/sub channel of topic in this namespace. Channels are
// not keys: a reset leaves subscriptions alone.
func (ns *namespace) channel(topic string) string { return ns.base + "watch:" + topic }

// Announce implements store.Shared: one PUBLISH.
func (ns *namespace) Announce(ctx context.Context, topic string) error {
	return ns.b.rdb.Publish(ctx, ns.channel(topic), "changed").Err()
}

// Watch implements store.Shared with a subscription of its own, closed
// with the backend.
func (ns *namespace) Watch(ctx context.Context, topic string, fn func()) error {
	ps := ns.b.rdb.Subscribe(ctx, ns.channel(topic))
	if _, err := ps.Receive(ctx); err != nil { // subscribed before returning: no change is missed
		_ = ps.Close()
		return fmt.Errorf("watch %s: %w", topic, err)
	}
	ns.b.Go(func(stop <-chan struct{}) {
		ch := ps.Channel()
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
			}
		}
	})
	return nil
}

var _ store.Shared = (*namespace)(nil)
