package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// recordEntry is one key-value record. value is never nil, so an empty
// record reads back as empty, not missing.
type recordEntry struct {
	item
	value []byte
}

// cloneBytes copies b into a fresh, never nil, slice so that neither the
// caller nor the store can change what the other holds.
func cloneBytes(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}

// GetRecord returns a copy of a live record's value.
func (ns *namespace) GetRecord(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()

	e, ok := ns.records[key]
	switch {
	case !ok:
		return nil, store.ErrNotFound
	case expired(ns.now(), e.exp):
		return nil, store.ErrExpired
	}
	return cloneBytes(e.value), nil
}

// PutRecord creates or replaces a record; a nil value stores an empty one.
func (ns *namespace) PutRecord(ctx context.Context, key string, value []byte, expiresAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if _, ok := ns.records[key]; !ok {
		if err := ns.room(); err != nil {
			return err
		}
	}
	ns.setRecord(key, value, expiresAt)
	return nil
}

func (ns *namespace) setRecord(key string, value []byte, expiresAt time.Time) {
	if e, ok := ns.records[key]; ok {
		e.value = cloneBytes(value)
		ns.touch(&e.item, expiryOf(expiresAt))
		return
	}
	e := &recordEntry{item: item{slot: slot{exp: expiryOf(expiresAt)}, kind: kindRecord, key: key}, value: cloneBytes(value)}
	ns.records[key] = e
	ns.addItem(&e.item)
}

// UpdateRecord replaces a record with update(old). update gets a copy, so
// that changing it in place and then failing changes nothing; it runs under
// the namespace lock and must not call back into this store.
func (ns *namespace) UpdateRecord(ctx context.Context, key string, update func(old []byte, found bool) ([]byte, time.Time, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	e, ok := ns.records[key]
	if !ok {
		// Room is made before update runs, so a full store changes nothing.
		if err := ns.room(); err != nil {
			return err
		}
	}
	found := ok && !expired(ns.now(), e.exp)
	var old []byte
	if found {
		old = cloneBytes(e.value)
	}
	value, expiresAt, err := update(old, found)
	switch {
	case err != nil:
		return err
	case value == nil:
		if ok {
			ns.dropItem(&e.item)
		}
		return nil
	}
	ns.setRecord(key, value, expiresAt)
	return nil
}

// DeleteRecord removes a record, live or expired.
func (ns *namespace) DeleteRecord(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if e, ok := ns.records[key]; ok {
		ns.dropItem(&e.item)
	}
	return nil
}

// ListRecords returns copies of the live records under prefix. It scans every
// record: listing is rare next to point reads and writes, so a sorted index
// is not worth its upkeep on each write.
func (ns *namespace) ListRecords(ctx context.Context, prefix string) ([]store.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()

	now := ns.now()
	var out []store.Record
	for k, e := range ns.records {
		if strings.HasPrefix(k, prefix) && !expired(now, e.exp) {
			out = append(out, store.Record{Key: k, Value: cloneBytes(e.value)})
		}
	}
	slices.SortFunc(out, func(a, b store.Record) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
