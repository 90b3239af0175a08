package journal

import (
	"strings"
	"sync"
)

// DefaultSize is how many entries a journal keeps unless told otherwise.
const DefaultSize = 500

// DefaultMaxBytes bounds the journal's memory whatever its entry count:
// the oldest entries are forgotten first. An entry's cost is estimated
// from what it holds (see sizeOf); the caps on each entry keep one entry
// far below this.
const DefaultMaxBytes = 8 << 20

// Journal is a bounded queue of entries, safe for concurrent use. It keeps
// at most size entries and about maxBytes of them.
type Journal struct {
	size     int // fixed at New, so Enabled needs no lock
	maxBytes int
	mu       sync.Mutex
	// entries is a ring: the n kept entries start at head, oldest first,
	// and wrap around. It grows (doubling, up to size) only while every
	// slot is taken, so a full journal records without allocating: a
	// slice evicted from the front was reallocated, and copied, every few
	// hundred requests.
	entries []Entry
	head, n int
	bytes   int // sum of the kept entries' sizes
	seq     uint64
	// inspect decodes the JWTs of recorded exchanges; nil leaves them out.
	// Set before serving, read-only after.
	inspect Inspector
}

// New returns a journal keeping the newest size entries, up to
// DefaultMaxBytes; size <= 0 keeps none (Record becomes a no-op and the
// middleware steps aside).
func New(size int) *Journal { return NewBounded(size, DefaultMaxBytes) }

// NewBounded is New with a bound on the estimated bytes kept.
func NewBounded(size, maxBytes int) *Journal {
	if size < 0 {
		size = 0
	}
	return &Journal{size: size, maxBytes: maxBytes}
}

// Enabled reports whether the journal keeps anything.
func (j *Journal) Enabled() bool { return j != nil && j.size > 0 }

// Size is the most entries the journal keeps.
func (j *Journal) Size() int { return j.size }

// Bytes is the estimated size of what the journal holds now.
func (j *Journal) Bytes() int {
	if !j.Enabled() {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bytes
}

// Record stores e, numbering it, and forgets the oldest entries while the
// journal holds too many or too many bytes.
func (j *Journal) Record(e Entry) uint64 {
	if !j.Enabled() {
		return 0
	}
	e.size = sizeOf(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	for j.n > 0 && (j.n >= j.size || j.bytes+e.size > j.maxBytes) {
		oldest := &j.entries[j.head]
		j.bytes -= oldest.size
		*oldest = Entry{} // let its maps go
		j.head = (j.head + 1) % len(j.entries)
		j.n--
	}
	if j.n == len(j.entries) {
		j.grow()
	}
	j.entries[(j.head+j.n)%len(j.entries)] = e
	j.n++
	j.bytes += e.size
	return e.Seq
}

// grow makes room for one more entry, oldest first from index 0.
func (j *Journal) grow() {
	grown := make([]Entry, min(j.size, max(2*len(j.entries), 16)))
	j.copyOrdered(grown)
	j.entries, j.head = grown, 0
}

// copyOrdered copies the kept entries, oldest first, to dst.
func (j *Journal) copyOrdered(dst []Entry) {
	first := copy(dst, j.entries[j.head:min(j.head+j.n, len(j.entries))])
	copy(dst[first:], j.entries[:j.n-first])
}

// List returns the entries f selects, oldest first.
func (j *Journal) List(f Filter) []Entry {
	if !j.Enabled() {
		return []Entry{}
	}
	j.mu.Lock()
	ordered := make([]Entry, j.n)
	j.copyOrdered(ordered)
	j.mu.Unlock()

	out := ordered[:0]
	for _, e := range ordered {
		if f.matches(e) {
			out = append(out, e)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	for i := range out {
		out[i] = j.rendered(out[i])
	}
	return out
}

// Page returns the entries f selects, oldest first, up to about maxBytes
// of them (at least one), and whether more were left out: the caller asks
// again with After set to the last entry's Seq.
func (j *Journal) Page(f Filter, maxBytes int) (entries []Entry, more bool) {
	all := j.List(f)
	total := 0
	for i, e := range all {
		total += e.size
		if i > 0 && total > maxBytes {
			return all[:i], true
		}
	}
	return all, false
}

// Clear forgets every entry; numbering continues, so a poller's After
// stays meaningful.
func (j *Journal) Clear() {
	if !j.Enabled() {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.head, j.n, j.bytes = nil, 0, 0, 0
}

func (f Filter) matches(e Entry) bool {
	switch {
	case f.Provider != "" && e.Provider != f.Provider,
		f.Method != "" && !strings.EqualFold(e.Method, f.Method),
		f.Path != "" && !strings.Contains(e.Path, f.Path),
		e.Seq <= f.After,
		!f.Since.IsZero() && e.Time.Before(f.Since),
		!f.Until.IsZero() && e.Time.After(f.Until):
		return false
	}
	return true
}
