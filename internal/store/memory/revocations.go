package memory

import (
	"context"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// Revoke marks key revoked until until, or forever if until is zero. It is
// a store.MarkRevoked mark, so it lives as every mark does: never evicted,
// never shortened, and kept until its time has passed on both clocks.
func (ns *namespace) Revoke(ctx context.Context, key string, until time.Time) error {
	_, err := ns.Mark(ctx, key, store.MarkRevoked, until)
	return err
}

// later reports whether expiry a comes after b, zero meaning never.
func later(a, b time.Time) bool {
	switch {
	case b.IsZero():
		return false
	case a.IsZero():
		return true
	default:
		return a.After(b)
	}
}

// Revoked reports whether any of keys is revoked now.
func (ns *namespace) Revoked(ctx context.Context, keys ...string) (bool, error) {
	level, err := ns.ReadLiveness(ctx, keys, nil, nil)
	return level >= store.MarkRevoked, err
}
