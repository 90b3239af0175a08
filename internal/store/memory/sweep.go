package memory

import (
	"github.com/authmock/authmock/internal/store"
)

// Bookkeeping that keeps a namespace bounded.
//
// Every entry (code, refresh token, record, and a family revoked before it
// had tokens) sits in one min-heap ordered by expiry, never-expiring last
// and oldest first among equals. Refresh tokens have heaps of their own
// (tokenEntry is not an item: it has no key string), the rest share
// item heaps; each kind comes in two:
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
	kindRecord
	kindFamily // tombstone of a family revoked while it had no tokens; key is its hashKey
)

// slot is an entry's place in its heap: 24 bytes.
type slot struct {
	exp   int64  // expiryOf: Unix ns, forever for none
	seq   uint64 // insertion order, the tie-break among equal expiries
	idx   int32  // position in its heap
	spent bool   // in a spent heap: a consumed code or a retired token
}

func (s *slot) at() *slot { return s }

// item is an entry other than a refresh token. Entry types embed it, so one
// allocation holds both.
type item struct {
	slot
	kind kind
	key  string
}

// before orders the heaps: earlier expiry first (forever is the largest),
// then older first.
func before(a, b *slot) bool {
	return a.exp < b.exp || a.exp == b.exp && a.seq < b.seq
}

func (ns *namespace) len() int {
	return len(ns.live) + len(ns.spent) + len(ns.liveTokens) + len(ns.spentTokens)
}

// addItem registers a new entry's item, already in its map. The caller made
// room for it first.
func (ns *namespace) addItem(it *item) {
	ns.seq++
	it.seq = ns.seq
	ns.itemHeap(it).push(it)
}

func (ns *namespace) itemHeap(it *item) *entryHeap[*item] {
	if it.spent {
		return &ns.spent
	}
	return &ns.live
}

// touch gives an existing item a new expiry and counts it as new again.
func (ns *namespace) touch(it *item, exp int64) {
	ns.seq++
	it.exp, it.seq = exp, ns.seq
	ns.itemHeap(it).fix(int(it.idx))
}

// spendItem moves an item that is kept only for replay detection to the
// heap evicted first.
func (ns *namespace) spendItem(it *item) {
	if it.spent {
		return
	}
	ns.live.remove(it)
	it.spent = true
	ns.spent.push(it)
}

// spendToken retires a token: it moves to the heap evicted first.
func (ns *namespace) spendToken(e *tokenEntry) {
	if e.spent {
		return
	}
	ns.liveTokens.remove(e)
	e.spent = true
	ns.spentTokens.push(e)
}

// dropItem forgets an entry other than a token.
func (ns *namespace) dropItem(it *item) {
	ns.itemHeap(it).remove(it)
	switch it.kind {
	case kindCode:
		delete(ns.codes, it.key)
	case kindRecord:
		delete(ns.records, it.key)
	case kindFamily:
		ns.families.del(hashKey([]byte(it.key)))
	}
}

// dropToken forgets a token, its family with its last token, and its
// principal with the last token naming it.
func (ns *namespace) dropToken(e *tokenEntry) {
	if e.spent {
		ns.spentTokens.remove(e)
	} else {
		ns.liveTokens.remove(e)
	}
	ns.tokens.del(e.key)
	ns.release(e.g.who)
	f := e.fam
	if f.newest == e {
		f.newest = nil
	}
	// A family, revoked or not, matters only while a token names it.
	if f.tokens--; f.tokens == 0 {
		ns.families.del(f.key)
	}
}

// wrote counts a write and sweeps every cfg.sweepEvery of them, so the cost
// of purging is spread over the writes that created the entries; the
// backend's timer sweeps idle namespaces too.
func (ns *namespace) wrote() {
	if ns.writes++; ns.writes >= ns.cfg.sweepEvery {
		ns.sweep()
	}
}

// sweep drops every entry and mark expired now.
func (ns *namespace) sweep() {
	ns.writes = 0
	now := ns.now()
	for _, h := range []*entryHeap[*item]{&ns.spent, &ns.live} {
		for len(*h) > 0 && expired(now, (*h)[0].exp) {
			ns.dropItem((*h)[0])
		}
	}
	for _, h := range []*entryHeap[*tokenEntry]{&ns.spentTokens, &ns.liveTokens} {
		for len(*h) > 0 && expired(now, (*h)[0].exp) {
			ns.dropToken((*h)[0])
		}
	}
	ns.sweepMarks(ns.clk.Now(), ns.wall.Now())
	ns.shrink()
}

// room makes space for one new entry, or reports store.ErrFull.
func (ns *namespace) room() error {
	if ns.len() < ns.cfg.maxEntries {
		return nil
	}
	ns.sweep()
	for ns.len() >= ns.cfg.maxEntries && ns.dropSpent() {
	}
	if ns.len() >= ns.cfg.maxEntries {
		return store.ErrFull
	}
	return nil
}

// trimSpent drops replay history while the namespace is over its cap.
func (ns *namespace) trimSpent() {
	for ns.len() > ns.cfg.maxEntries && ns.dropSpent() {
	}
}

// dropSpent drops the spent entry closest to expiry, code or token, and
// reports whether there was one.
func (ns *namespace) dropSpent() bool {
	switch {
	case len(ns.spent) > 0 && (len(ns.spentTokens) == 0 || before(&ns.spent[0].slot, &ns.spentTokens[0].slot)):
		ns.dropItem(ns.spent[0])
	case len(ns.spentTokens) > 0:
		ns.dropToken(ns.spentTokens[0])
	default:
		return false
	}
	return true
}

// entryHeap is a min-heap of entries by before that keeps each entry's
// index, so that any entry can be removed or re-ordered in O(log n).
type entryHeap[E interface{ at() *slot }] []E

func (h *entryHeap[E]) push(e E) {
	e.at().idx = int32(len(*h))
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

func (h *entryHeap[E]) remove(e E) {
	s, i := *h, int(e.at().idx)
	last := len(s) - 1
	if i != last {
		s[i] = s[last]
		s[i].at().idx = int32(i)
	}
	var none E
	s[last] = none // let the entry be collected
	*h = s[:last]
	if i != last {
		h.fix(i)
	}
	e.at().idx = -1
}

func (h *entryHeap[E]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *entryHeap[E]) up(i int) {
	s := *h
	for i > 0 {
		p := (i - 1) / 2
		if !before(s[i].at(), s[p].at()) {
			break
		}
		h.swap(i, p)
		i = p
	}
}

// down sifts entry i towards the leaves and reports whether it moved.
func (h *entryHeap[E]) down(i int) bool {
	s, start := *h, i
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		c := l
		if r := l + 1; r < len(s) && before(s[r].at(), s[l].at()) {
			c = r
		}
		if !before(s[c].at(), s[i].at()) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

func (h *entryHeap[E]) swap(i, j int) {
	s := *h
	s[i], s[j] = s[j], s[i]
	s[i].at().idx, s[j].at().idx = int32(i), int32(j)
}
