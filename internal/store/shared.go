package store

import "context"

// Shared is implemented by a store several processes use at once (Redis):
// what a process keeps beside the store, built from it (the runtime
// fixture changes of package directory), must hear of another process's
// change to rebuild. A store only one process can use (memory, a locked
// bbolt file) does not implement it.
type Shared interface {
	// Announce tells every process watching topic in this namespace, this
	// one included, that it changed. Delivery is prompt (milliseconds) but
	// at most once: a process that loses its connection meanwhile misses
	// it, so a watcher rebuilds from the store, not from the message.
	Announce(ctx context.Context, topic string) error
	// Watch calls fn, from a goroutine of its own, for every announcement
	// of topic in this namespace until the backend is closed, and every
	// few seconds besides, so that a lost announcement delays a rebuild
	// rather than losing it. It returns once subscribed, so a caller that
	// reads the store after Watch returns misses no change.
	Watch(ctx context.Context, topic string, fn func()) error
}
