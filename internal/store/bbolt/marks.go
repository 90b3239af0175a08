package bbolt

import (
	"context"
	"time"
)

// Mark raises a key's mark and extends its life, in one transaction.
func (ns *namespace) Mark(ctx context.Context, key string, level uint8, until time.Time) (uint8, error) {
	var before uint8
	err := ns.update(ctx, func(t *tx) error {
		u := nanos(until)
		v := t.m.Get([]byte(key))
		if v == nil {
			if expired(t.now, u) {
				return nil // already over: nothing to remember
			}
			return t.setMark(key, mark{level: level}, u)
		}
		m := parseMark(v)
		before = m.level
		m.level = max(m.level, level)
		if later(u, m.until) {
			if err := t.y.Delete(markIndexKey(m.until, key)); err != nil {
				return err
			}
			return t.setMark(key, m, u)
		}
		return t.m.Put([]byte(key), m.encode())
	})
	return before, err
}

// setMark gives m the life until, measured from now on both clocks.
func (t *tx) setMark(key string, m mark, until uint64) error {
	m.until, m.wall = until, 0
	if until != 0 {
		m.wall = nanos(t.ns.b.cfg.wall.Now().Add(fromNanos(until).Sub(t.now)))
		if err := t.y.Put(markIndexKey(until, key), nil); err != nil {
			return err
		}
	}
	return t.m.Put([]byte(key), m.encode())
}

// later reports whether expiry a comes after b, 0 meaning never.
func later(a, b uint64) bool {
	switch {
	case b == 0:
		return false
	case a == 0:
		return true
	default:
		return a > b
	}
}

// RaiseCutoff raises a key's cut-off.
func (ns *namespace) RaiseCutoff(ctx context.Context, key string, seq uint64) (uint64, error) {
	var before uint64
	err := ns.update(ctx, func(t *tx) error {
		before = u64(t.o.Get([]byte(key)))
		if seq > before {
			return t.o.Put([]byte(key), putU64(nil, seq))
		}
		return nil
	})
	return before, err
}

// ReadLiveness reads marks and cut-offs in one read transaction.
func (ns *namespace) ReadLiveness(ctx context.Context, markKeys, cutoffKeys []string, cutoffs []uint64) (uint8, error) {
	var level uint8
	found, err := ns.view(ctx, func(t *tx) error {
		for _, k := range markKeys {
			if v := t.m.Get([]byte(k)); v != nil {
				if m := parseMark(v); !expired(t.now, m.until) {
					level = max(level, m.level)
				}
			}
		}
		for i, k := range cutoffKeys {
			cutoffs[i] = u64(t.o.Get([]byte(k)))
		}
		return nil
	})
	if !found {
		clear(cutoffs[:len(cutoffKeys)])
	}
	return level, err
}
