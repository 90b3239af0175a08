package memory

import (
	"context"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// mark is one token's lifecycle mark. Marks sit outside the entry heaps, so
// the cap never evicts them; they leave only by expiring on both clocks
// (store.Liveness): until on the injected clock, wallUntil on the wall
// clock, which the admin API cannot move.
type mark struct {
	key              string
	level            uint8
	until, wallUntil time.Time // zero until: forever, in no heap
	// waitingWall is true while the mark sits in the wall heap (its until
	// has passed on the injected clock), false while in the clock heap.
	waitingWall bool
	idx         int
}

// Mark raises a key's mark and extends its life.
func (ns *namespace) Mark(ctx context.Context, key string, level uint8, until time.Time) (uint8, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.mark(key, level, until), nil
}

func (ns *namespace) mark(key string, level uint8, until time.Time) uint8 {
	now, wall := ns.clk.Now(), ns.wall.Now()
	m, ok := ns.marks[key]
	if !ok {
		if passed(now, until) {
			return store.MarkNone // already over: nothing to remember
		}
		m = &mark{key: key, level: level, idx: -1}
		ns.marks[key] = m
		ns.setMarkLife(m, until, now, wall)
		return store.MarkNone
	}
	before := m.level
	m.level = max(m.level, level)
	if later(until, m.until) {
		ns.setMarkLife(m, until, now, wall)
	}
	return before
}

// setMarkLife gives m the life until, measured from now on both clocks.
func (ns *namespace) setMarkLife(m *mark, until, now, wall time.Time) {
	ns.unheapMark(m)
	m.until = until
	if until.IsZero() {
		m.wallUntil = time.Time{}
		return
	}
	m.wallUntil = wall.Add(until.Sub(now))
	m.waitingWall = false
	ns.markClock.push(m)
}

func (ns *namespace) unheapMark(m *mark) {
	if m.idx < 0 {
		return
	}
	if m.waitingWall {
		ns.markWall.remove(m)
	} else {
		ns.markClock.remove(m)
	}
}

// RaiseCutoff raises a key's cut-off.
func (ns *namespace) RaiseCutoff(ctx context.Context, key string, seq uint64) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	before := ns.cutoffs[key]
	if seq > before {
		ns.cutoffs[key] = seq
	}
	return before, nil
}

// ReadLiveness reads marks and cut-offs under one lock.
func (ns *namespace) ReadLiveness(ctx context.Context, markKeys, cutoffKeys []string, cutoffs []uint64) (uint8, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.readLiveness(markKeys, cutoffKeys, cutoffs), nil
}

func (ns *namespace) readLiveness(markKeys, cutoffKeys []string, cutoffs []uint64) uint8 {
	var level uint8
	if len(markKeys) > 0 && len(ns.marks) > 0 {
		now := ns.clk.Now()
		for _, k := range markKeys {
			if m, ok := ns.marks[k]; ok && !passed(now, m.until) {
				level = max(level, m.level)
			}
		}
	}
	for i, k := range cutoffKeys {
		cutoffs[i] = ns.cutoffs[k]
	}
	return level
}

// sweepMarks forgets the marks whose life is over on both clocks. A mark
// whose until has passed on the injected clock waits in the wall heap for
// the wall clock; if the injected clock has been moved back meanwhile, it
// returns to the clock heap.
func (ns *namespace) sweepMarks(now, wall time.Time) {
	for ns.markClock.len() > 0 && passed(now, ns.markClock.items[0].until) {
		m := ns.markClock.items[0]
		ns.markClock.remove(m)
		if !wall.Before(m.wallUntil) {
			delete(ns.marks, m.key)
			continue
		}
		m.waitingWall = true
		ns.markWall.push(m)
	}
	for ns.markWall.len() > 0 && !wall.Before(ns.markWall.items[0].wallUntil) {
		m := ns.markWall.items[0]
		ns.markWall.remove(m)
		if passed(now, m.until) {
			delete(ns.marks, m.key)
			continue
		}
		m.waitingWall = false
		ns.markClock.push(m)
	}
}

// markHeap is a min-heap of marks by until (clock heap) or wallUntil (wall
// heap).
type markHeap struct {
	items []*mark
	wall  bool
}

func (h *markHeap) len() int { return len(h.items) }

func (h *markHeap) less(i, j int) bool {
	if h.wall {
		return h.items[i].wallUntil.Before(h.items[j].wallUntil)
	}
	return h.items[i].until.Before(h.items[j].until)
}

func (h *markHeap) push(m *mark) {
	m.idx = len(h.items)
	h.items = append(h.items, m)
	h.up(m.idx)
}

func (h *markHeap) remove(m *mark) {
	i, last := m.idx, len(h.items)-1
	if i != last {
		h.swap(i, last)
	}
	h.items[last] = nil
	h.items = h.items[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
	m.idx = -1
}

func (h *markHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.swap(i, p)
		i = p
	}
}

func (h *markHeap) down(i int) bool {
	start := i
	for {
		l := 2*i + 1
		if l >= len(h.items) {
			break
		}
		c := l
		if r := l + 1; r < len(h.items) && h.less(r, l) {
			c = r
		}
		if !h.less(c, i) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}

func (h *markHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].idx, h.items[j].idx = i, j
}
