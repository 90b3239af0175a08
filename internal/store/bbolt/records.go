package bbolt

import (
	"bytes"
	"context"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// GetRecord returns a copy of a live record's value.
func (ns *namespace) GetRecord(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	verdict := store.ErrNotFound
	_, err := ns.view(ctx, func(t *tx) error {
		v := t.r.Get([]byte(key))
		switch {
		case v == nil:
		case expired(t.now, u64(v)):
			verdict = store.ErrExpired
		default:
			out, verdict = append(make([]byte, 0, len(v)-8), v[8:]...), nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, verdict
}

// PutRecord creates or replaces a record.
func (ns *namespace) PutRecord(ctx context.Context, key string, value []byte, expiresAt time.Time) error {
	return ns.update(ctx, func(t *tx) error { return t.setRecord(key, value, expiresAt) })
}

func (t *tx) setRecord(key string, value []byte, expiresAt time.Time) error {
	if err := t.deleteRecord(key); err != nil {
		return err
	}
	exp := nanos(expiresAt)
	if err := t.index(exp, kindRecord, key); err != nil {
		return err
	}
	return t.r.Put([]byte(key), append(putU64(make([]byte, 0, 8+len(value)), exp), value...))
}

func (t *tx) deleteRecord(key string) error {
	v := t.r.Get([]byte(key))
	if v == nil {
		return nil
	}
	if err := t.unindex(u64(v), kindRecord, key); err != nil {
		return err
	}
	return t.r.Delete([]byte(key))
}

// UpdateRecord replaces a record with update(old) in one transaction.
func (ns *namespace) UpdateRecord(ctx context.Context, key string, update func(old []byte, found bool) ([]byte, time.Time, error)) error {
	return ns.update(ctx, func(t *tx) error {
		var old []byte
		v := t.r.Get([]byte(key))
		found := v != nil && !expired(t.now, u64(v))
		if found {
			old = append(make([]byte, 0, len(v)-8), v[8:]...)
		}
		value, expiresAt, err := update(old, found)
		switch {
		case err != nil:
			return err
		case value == nil:
			return t.deleteRecord(key)
		}
		return t.setRecord(key, value, expiresAt)
	})
}

// DeleteRecord removes a record, live or expired.
func (ns *namespace) DeleteRecord(ctx context.Context, key string) error {
	return ns.update(ctx, func(t *tx) error { return t.deleteRecord(key) })
}

// ListRecords returns the live records under prefix; bbolt keeps keys
// sorted, so this is a range scan.
func (ns *namespace) ListRecords(ctx context.Context, prefix string) ([]store.Record, error) {
	var out []store.Record
	_, err := ns.view(ctx, func(t *tx) error {
		p := []byte(prefix)
		c := t.r.Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if !expired(t.now, u64(v)) {
				out = append(out, store.Record{Key: string(k), Value: append(make([]byte, 0, len(v)-8), v[8:]...)})
			}
		}
		return nil
	})
	return out, err
}
