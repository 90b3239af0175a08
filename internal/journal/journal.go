package journal

import (
	"strings"
	"sync"
)

// DefaultSize is how many entries a journal keeps unless told otherwise.
const DefaultSize = 500

// Journal is a bounded ring of entries, safe for concurrent use.
type Journal struct {
	size    int // fixed at New, so Enabled needs no lock
	mu      sync.Mutex
	entries []Entry // ring storage, len == size once full
	next    int     // index the next entry is written to
	seq     uint64
	// inspect decodes the JWTs of recorded exchanges; nil leaves them out.
	// Set before serving, read-only after.
	inspect Inspector
}

// New returns a journal keeping the newest size entries; size <= 0 keeps
// none (Record becomes a no-op and the middleware steps aside).
func New(size int) *Journal {
	if size < 0 {
		size = 0
	}
	return &Journal{size: size, entries: make([]Entry, 0, size)}
}

// Enabled reports whether the journal keeps anything.
func (j *Journal) Enabled() bool { return j != nil && j.size > 0 }

// Size is the most entries the journal keeps.
func (j *Journal) Size() int { return j.size }

// Record stores e, numbering it, and evicts the oldest entry when full.
func (j *Journal) Record(e Entry) uint64 {
	if !j.Enabled() {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if len(j.entries) < j.size {
		j.entries = append(j.entries, e)
	} else {
		j.entries[j.next] = e
	}
	j.next = (j.next + 1) % j.size
	return e.Seq
}

// List returns the entries f selects, oldest first.
func (j *Journal) List(f Filter) []Entry {
	if !j.Enabled() {
		return []Entry{}
	}
	j.mu.Lock()
	ordered := make([]Entry, 0, len(j.entries))
	if len(j.entries) == j.size {
		ordered = append(ordered, j.entries[j.next:]...)
		ordered = append(ordered, j.entries[:j.next]...)
	} else {
		ordered = append(ordered, j.entries...)
	}
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
		out[i].Tokens = j.decodeTokens(out[i])
	}
	return out
}

// Clear forgets every entry; numbering continues, so a poller's After
// stays meaningful.
func (j *Journal) Clear() {
	if !j.Enabled() {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.entries, j.next = j.entries[:0], 0
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
