package memory

import (
	"time"

	"github.com/authmock/authmock/internal/store"
)

// Bookkeeping that keeps a namespace bounded.
//
// Every entry (code, refresh token, record, and a family revoked before it
// had tokens) has an item in one of two min-heaps ordered by expiry,
// never-expiring last and oldest first among equals:
//
//   - spent holds consumed codes and retired refresh tokens, kept only so
//     that a replay is recognised;
//   - live holds everything else.
//
// The heaps make sweeping cost proportional to what has expired rather than
// to what is held. When a namespace is at its cap, room sweeps, then drops
// spent entries (losing at most a replay detection: the replayed value is
// still refused, as unknown), and otherwise refuses the write with
// store.ErrFull: live grants and records are never evicted, since a record
// may be what keeps a token dead. Marks and cut-offs (marks.go) are outside
// the heaps and the cap altogether.

type kind uint8

const (
	kindCode kind = iota
	kindToken
	kindRecord
	kindFamily // tombstone of a family revoked while it had no tokens
)

// item is an entry's place in the heaps. Entry types embed it, so one
// allocation holds both.
type item struct {
	kind  kind
	spent bool
	key   string
	exp   time.Time // zero: never expires
	seq   uint64    // insertion order, the tie-break among equal expiries
	idx   int       // position in its heap
}

// expired reports whether an entry expiring at exp is dead at now. An entry
// is dead from the instant of its expiry on, as a JWT's exp is.
func expired(now, exp time.Time) bool {
	return !exp.IsZero() && !now.Before(exp)
}

// before orders the heaps: earlier expiry first, never-expiring last, then
// older first.
func before(a, b *item) bool {
	switch {
	case a.exp.IsZero() != b.exp.IsZero():
		return b.exp.IsZero()
	case !a.exp.Equal(b.exp):
		return a.exp.Before(b.exp)
	default:
		return a.seq < b.seq
	}
}

func (ns *namespace) heapOf(it *item) *entryHeap {
	if it.spent {
		return &ns.spent
	}
	return &ns.live
}

func (ns *namespace) len() int { return len(ns.live) + len(ns.spent) }

// add registers a new entry's item, already in its map. The caller made
// room for it first.
func (ns *namespace) add(it *item) {
	ns.seq++
	it.seq = ns.seq
	ns.heapOf(it).push(it)
}

// touch gives an existing entry a new expiry and counts it as new again.
func (ns *namespace) touch(it *item, exp time.Time) {
	ns.seq++
	it.exp, it.seq = exp, ns.seq
	ns.heapOf(it).fix(it.idx)
}

// markSpent moves an entry that is kept only for replay detection to the
// heap evicted first.
func (ns *namespace) markSpent(it *item) {
	if it.spent {
		return
	}
	ns.live.remove(it)
	it.spent = true
	ns.spent.push(it)
}

// drop forgets an entry entirely.
func (ns *namespace) drop(it *item) {
	ns.heapOf(it).remove(it)
	switch it.kind {
	case kindCode:
		delete(ns.codes, it.key)
	case kindToken:
		e := ns.tokens[it.key]
		delete(ns.tokens, it.key)
		if e.fam.newest == e {
			e.fam.newest = nil
		}
		// A family, revoked or not, matters only while a token names it.
		if e.fam.tokens--; e.fam.tokens == 0 {
			delete(ns.families, e.fam.id)
		}
	case kindRecord:
		delete(ns.records, it.key)
	case kindFamily:
		delete(ns.families, it.key)
	}
}

// wrote counts a write and sweeps every cfg.sweepEvery of them, so the cost
// of purging is spread over the writes that created the entries; the
// backend's timer sweeps idle namespaces too.
func (ns *namespace) wrote() {
	if ns.writes++; ns.writes >= ns.cfg.sweepEvery {
		ns.sweep(ns.clk.Now())
	}
}

// sweep drops every entry and mark expired at now.
func (ns *namespace) sweep(now time.Time) {
	ns.writes = 0
	for _, h := range []*entryHeap{&ns.spent, &ns.live} {
		for len(*h) > 0 && expired(now, (*h)[0].exp) {
			ns.drop((*h)[0])
		}
	}
	ns.sweepMarks(now, ns.wall.Now())
	ns.shrink()
}

// room makes space for one new entry, or reports store.ErrFull.
func (ns *namespace) room() error {
	if ns.len() < ns.cfg.maxEntries {
		return nil
	}
	ns.sweep(ns.clk.Now())
	for ns.len() >= ns.cfg.maxEntries && len(ns.spent) > 0 {
		ns.drop(ns.spent[0])
	}
	if ns.len() >= ns.cfg.maxEntries {
		return store.ErrFull
	}
	return nil
}

// trimSpent drops replay history while the namespace is over its cap.
func (ns *namespace) trimSpent() {
	for ns.len() > ns.cfg.maxEntries && len(ns.spent) > 0 {
		ns.drop(ns.spent[0])
	}
}

// entryHeap is a min-heap of items by before that keeps each item's index,
// so that any item can be removed or re-ordered in O(log n).
type entryHeap []*item

func (h *entryHeap) push(it *item) {
	it.idx = len(*h)
	*h = append(*h, it)
	h.up(it.idx)
}

func (h *entryHeap) remove(it *item) {
	s, i := *h, it.idx
	last := len(s) - 1
	if i != last {
		s[i] = s[last]
		s[i].idx = i
	}
	s[last] = nil // let the entry be collected
	*h = s[:last]
	if i != last {
		h.fix(i)
	}
	it.idx = -1
}

func (h *entryHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *entryHeap) up(i int) {
	s := *h
	for i > 0 {
		p := (i - 1) / 2
		if !before(s[i], s[p]) {
			break
		}
		h.swap(i, p)
		i = p
	}
}

// down sifts item i towards the leaves and reports whether it moved.
func (h *entryHeap) down(i int) bool {
	s, start := *h, i
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		c := l
		if r := l + 1; r < len(s) && before(s[r], s[l]) {
			c = r
		}
		if !before(s[c], s[i]) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

func (h *entryHeap) swap(i, j int) {
	s := *h
	s[i], s[j] = s[j], s[i]
	s[i].idx, s[j].idx = i, j
}
