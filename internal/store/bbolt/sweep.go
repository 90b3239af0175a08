package bbolt

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// index records that key of kind expires at exp; never-expiring entries
// are not indexed.
func (t *tx) index(exp uint64, kind byte, key string) error {
	if exp == 0 {
		return nil
	}
	return t.x.Put(indexKey(exp, kind, key), nil)
}

func (t *tx) unindex(exp uint64, kind byte, key string) error {
	if exp == 0 {
		return nil
	}
	return t.x.Delete(indexKey(exp, kind, key))
}

// sweep drops at most limit entries and marks of one namespace that have
// expired at now (marks: and at wall), and reports whether it stopped at
// the limit.
func sweep(nb *bolt.Bucket, now, wall time.Time, limit int) (full bool) {
	t := &tx{now: now,
		c: nb.Bucket(bktCodes), t: nb.Bucket(bktTokens), f: nb.Bucket(bktFamilies), r: nb.Bucket(bktRecords),
		m: nb.Bucket(bktMarks), o: nb.Bucket(bktCutoffs), x: nb.Bucket(bktExpiry), y: nb.Bucket(bktMarkIdx)}
	if t.x == nil || t.y == nil {
		return false
	}
	n := nanos(now)
	// Collect first: deleting under a cursor skips keys in bbolt.
	var due [][]byte
	c := t.x.Cursor()
	for k, _ := c.First(); k != nil && u64(k) <= n && len(due) < limit; k, _ = c.Next() {
		due = append(due, append([]byte(nil), k...))
	}
	for _, k := range due {
		key := string(k[9:])
		var err error
		switch k[8] {
		case kindCode:
			err = t.c.Delete([]byte(key))
		case kindToken:
			err = t.dropToken(key) // unindexes k too
		case kindRecord:
			err = t.r.Delete([]byte(key))
		case kindFamily:
			if f, ferr := t.family(key); ferr == nil && f != nil && f.Tokens <= 0 {
				err = t.f.Delete([]byte(key))
			}
		}
		if err == nil {
			err = t.x.Delete(k)
		}
		if err != nil {
			return false
		}
	}
	// Marks wait for both clocks; one past until but not yet past its wall
	// deadline stays in the index and is looked at again next time.
	w := nanos(wall)
	var gone [][]byte
	mc := t.y.Cursor()
	for k, _ := mc.First(); k != nil && u64(k) <= n && len(gone) < limit; k, _ = mc.Next() {
		key := k[8:]
		if m := parseMark(t.m.Get(key)); m.until == u64(k) && m.wall > w {
			continue
		}
		gone = append(gone, append([]byte(nil), k...))
	}
	for _, k := range gone {
		key := k[8:]
		if m := parseMark(t.m.Get(key)); m.until == u64(k) {
			_ = t.m.Delete(key)
		}
		_ = t.y.Delete(k)
	}
	return len(due) == limit || len(gone) == limit
}
