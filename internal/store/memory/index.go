package memory

import (
	"hash/maphash"
	"iter"
)

// index finds refresh tokens and families by their hashKey. It is an
// open-addressing hash table of pointers (linear probing, at most 3/4
// full): 8 bytes a slot, some 14 per entry on average, where a Go map of
// the same keys and pointers takes 40 to 60 (a 24-byte slot, control bytes,
// and tables that double). The key is read from the entry itself, so the
// table holds nothing else. Slots are found by a seeded maphash of the key,
// so even keys made to collide (family ids are the caller's) cannot be
// aimed at one probe sequence.
type index[P keyed] struct {
	slots []P // nil, or a power of two long
	n     int
	seed  maphash.Seed
}

// keyed is an entry an index holds: a pointer that knows its key.
type keyed interface {
	comparable
	hkey() *hashKey
}

func (e *tokenEntry) hkey() *hashKey { return &e.key }
func (f *family) hkey() *hashKey     { return &f.key }

const indexMin = 16

func newIndex[P keyed](seed maphash.Seed) index[P] { return index[P]{seed: seed} }

func (x *index[P]) len() int { return x.n }

func (x *index[P]) home(k *hashKey) int {
	return int(maphash.Comparable(x.seed, *k) & uint64(len(x.slots)-1))
}

// find returns k's slot, or the empty slot where it would go.
func (x *index[P]) find(k *hashKey) int {
	var none P
	mask := len(x.slots) - 1
	for i := x.home(k); ; i = (i + 1) & mask {
		if e := x.slots[i]; e == none || *e.hkey() == *k {
			return i
		}
	}
}

// get returns the entry keyed k.
func (x *index[P]) get(k hashKey) (P, bool) {
	var none P
	if x.n == 0 {
		return none, false
	}
	e := x.slots[x.find(&k)]
	return e, e != none
}

// put adds e, whose key the index does not hold yet.
func (x *index[P]) put(e P) {
	if 4*(x.n+1) > 3*len(x.slots) {
		x.resize(max(indexMin, 2*len(x.slots)))
	}
	x.slots[x.find(e.hkey())] = e
	x.n++
}

// del removes the entry keyed k, if any. The entries after it in its probe
// run move back, so that no tombstones are needed and lookups stay short.
func (x *index[P]) del(k hashKey) {
	var none P
	if x.n == 0 {
		return
	}
	i := x.find(&k)
	if x.slots[i] == none {
		return
	}
	mask := len(x.slots) - 1
	for j := (i + 1) & mask; x.slots[j] != none; j = (j + 1) & mask {
		// The entry at j may fill the hole at i only if its home is not
		// cyclically within (i, j].
		if h := x.home(x.slots[j].hkey()); (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = none
	x.n--
}

// shrink gives back a table that has fallen to an eighth of its size.
func (x *index[P]) shrink() {
	if len(x.slots) <= shrinkMin || 8*x.n >= len(x.slots) {
		return
	}
	size := indexMin
	for 4*x.n > 3*size/2 { // half full at most after shrinking
		size *= 2
	}
	x.resize(size)
}

func (x *index[P]) resize(size int) {
	var none P
	old := x.slots
	x.slots = make([]P, size)
	for _, e := range old {
		if e != none {
			x.slots[x.find(e.hkey())] = e
		}
	}
}

// all yields every entry, in no particular order. The index must not be
// changed meanwhile.
func (x *index[P]) all() iter.Seq[P] {
	return func(yield func(P) bool) {
		var none P
		for _, e := range x.slots {
			if e != none && !yield(e) {
				return
			}
		}
	}
}
