package memory

import (
	"context"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// codeEntry is one authorization code. A consumed code stays, in the spent
// heap, until it expires, so that a replay returns ErrConsumed with its grant.
type codeEntry struct {
	item
	grant store.Grant // consumed when spent
}

// PutCode stores a new code. A code that has expired no longer blocks its
// name, whether or not it has been swept yet. A zero expiresAt never expires.
func (ns *namespace) PutCode(ctx context.Context, code string, g store.Grant, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if e, ok := ns.codes[code]; ok {
		if !expired(ns.now(), e.exp) {
			return store.ErrExists
		}
		ns.dropItem(&e.item)
	}
	if err := ns.room(); err != nil {
		return err
	}
	e := &codeEntry{item: item{slot: slot{exp: expiryOf(expiresAt)}, kind: kindCode, key: code}, grant: g.Clone()}
	ns.codes[code] = e
	ns.addItem(&e.item)
	return nil
}

// ConsumeCode redeems a code once. Expiry is checked before consumption, so
// an expired code gives ErrExpired (then ErrNotFound once swept) whether or
// not it was redeemed: past its expiry nothing can be obtained with it.
func (ns *namespace) ConsumeCode(ctx context.Context, code string, check func(store.Grant) error) (store.Grant, error) {
	if err := ctx.Err(); err != nil {
		return store.Grant{}, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	e, ok := ns.codes[code]
	switch {
	case !ok:
		return store.Grant{}, store.ErrNotFound
	case expired(ns.now(), e.exp):
		return store.Grant{}, store.ErrExpired
	case e.spent:
		return e.grant.Clone(), store.ErrConsumed
	}
	if check != nil {
		if err := check(e.grant.Clone()); err != nil {
			return store.Grant{}, err
		}
	}
	ns.spendItem(&e.item)
	return e.grant.Clone(), nil
}
