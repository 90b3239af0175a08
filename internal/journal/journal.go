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
	// entries are oldest first. Evicting reslices from the front; append
	// then reallocates now and again, copying only the live entries, so
	// the backing array stays within a small multiple of them.
	entries []Entry
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
	for len(j.entries) > 0 && (len(j.entries) >= j.size || j.bytes+e.size > j.maxBytes) {
		j.bytes -= j.entries[0].size
		j.entries[0] = Entry{} // let its maps go
		j.entries = j.entries[1:]
	}
	j.entries = append(j.entries, e)
	j.bytes += e.size
	return e.Seq
}

// List returns the entries f selects, oldest first.
func (j *Journal) List(f Filter) []Entry {
	if !j.Enabled() {
		return []Entry{}
	}
	j.mu.Lock()
	ordered := make([]Entry, len(j.entries))
	copy(ordered, j.entries)
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
	j.entries, j.bytes = nil, 0
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
