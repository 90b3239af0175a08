package bbolt

import (
	"context"
	"encoding/json"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// PutCode stores a new code; an expired holder of the name gives way.
func (ns *namespace) PutCode(ctx context.Context, code string, g store.Grant, expiresAt time.Time) error {
	body, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return ns.update(ctx, func(t *tx) error {
		if v := t.c.Get([]byte(code)); v != nil {
			exp, _, _ := parseEntry(v)
			if !expired(t.now, exp) {
				return store.ErrExists
			}
			if err := t.unindex(exp, kindCode, code); err != nil {
				return err
			}
		}
		exp := nanos(expiresAt)
		if err := t.index(exp, kindCode, code); err != nil {
			return err
		}
		return t.c.Put([]byte(code), entry(exp, false, body))
	})
}

// ConsumeCode redeems a code once, in one transaction; check runs inside it.
func (ns *namespace) ConsumeCode(ctx context.Context, code string, check func(store.Grant) error) (store.Grant, error) {
	var g store.Grant
	var verdict error
	err := ns.update(ctx, func(t *tx) error {
		v := t.c.Get([]byte(code))
		if v == nil {
			verdict = store.ErrNotFound
			return nil
		}
		exp, consumed, body := parseEntry(v)
		if expired(t.now, exp) {
			verdict = store.ErrExpired
			return nil
		}
		if err := json.Unmarshal(body, &g); err != nil {
			return err
		}
		if consumed {
			verdict = store.ErrConsumed
			return nil
		}
		if check != nil {
			if err := check(g.Clone()); err != nil {
				return err
			}
		}
		return t.c.Put([]byte(code), entry(exp, true, body))
	})
	if err != nil {
		return store.Grant{}, err
	}
	if verdict != nil && verdict != store.ErrConsumed {
		return store.Grant{}, verdict
	}
	return g, verdict
}
