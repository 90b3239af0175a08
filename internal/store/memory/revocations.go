package memory

import (
	"context"
	"time"
)

// revocation is one revoked key; its item's expiry is the time until which
// it is revoked (zero: forever).
type revocation struct {
	item
}

// Revoke marks key revoked until until, or forever if until is zero.
// Revoking a key again never shortens its revocation: each call's promise
// holds.
func (ns *namespace) Revoke(ctx context.Context, key string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if r, ok := ns.revoked[key]; ok {
		if later(until, r.exp) {
			ns.touch(&r.item, until)
		}
		return nil
	}
	if expired(ns.clk.Now(), until) {
		return nil // already over: nothing to remember
	}
	r := &revocation{item{kind: kindRevocation, key: key, exp: until}}
	ns.revoked[key] = r
	ns.add(&r.item)
	return nil
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
	if err := ctx.Err(); err != nil {
		return false, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()

	now := ns.clk.Now()
	for _, k := range keys {
		if r, ok := ns.revoked[k]; ok && !expired(now, r.exp) {
			return true, nil
		}
	}
	return false, nil
}
