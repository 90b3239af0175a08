package server

import (
	"context"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/faults/redisfaults"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/bbolt"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/internal/store/redis"
)

// storeOpenTimeout bounds connecting to a Redis store at start-up, so that
// an unreachable one is an error in seconds, not a hang.
const storeOpenTimeout = 3 * time.Second

// shareState shares what the backend can share between replicas beside
// the store: with Redis, the admin clock and the fault queue.
func (s *Server) shareState() error {
	rb, ok := s.backend.(*redis.Backend)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
	defer cancel()
	if err := rb.ShareClock(ctx, s.clock, func(err error) {
		s.logger.Error("the clock change was made on this replica only", "err", err)
	}); err != nil {
		return err
	}
	run, err := redisfaults.New(rb.Client(), rb.Prefix()).Share(ctx, s.faults, func(err error) {
		s.logger.Error("shared fault queue", "err", err)
	})
	if err != nil {
		return err
	}
	rb.Go(run)
	return nil
}

// openBackend builds the store server.store names. There is no fallback:
// a store that cannot be opened is a start-up error naming it.
func openBackend(cfg *config.Config, clk clock.Clock) (store.Backend, error) {
	kind, target := cfg.Server.StoreKind()
	switch kind {
	case "memory":
		return memory.New(clk), nil
	case "file":
		b, err := bbolt.Open(config.ResolvePath(cfg.BaseDir, target), clk)
		if err != nil {
			return nil, fmt.Errorf("server.store: %w", err)
		}
		return b, nil
	case "redis":
		ctx, cancel := context.WithTimeout(context.Background(), storeOpenTimeout)
		defer cancel()
		b, err := redis.Open(ctx, target, clk)
		if err != nil {
			return nil, fmt.Errorf("server.store: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("server.store %q: unknown kind", target)
}

// StoreDescription says where state is kept, for the banner.
func (s *Server) StoreDescription() string {
	switch b := s.backend.(type) {
	case *bbolt.Backend:
		return "file " + b.Path() + " (kept across restarts)"
	case *redis.Backend:
		_, target := s.cfg.Server.StoreKind()
		return redis.Redact(target) + " (shared with every replica on it: codes, tokens, revocations, fixture changes, the admin clock, faults)"
	case *memory.Backend:
		return "memory (gone when authmock stops; --store file:PATH keeps it)"
	}
	return "injected store"
}
