package memory

import "github.com/authmock/authmock/internal/store"

// stamps are a family's access stamps, in store.JoinStamps' order (counts,
// then whole stamps). A login's family holds one whole stamp, so that one
// is kept in place (16 bytes) rather than in a slice of its own (24 bytes
// of header here and 24 of array elsewhere); only a family with more, or
// with folded counts, keeps a slice.
type stamps struct {
	seq  uint64 // the one whole stamp's, when more is nil; 0: none
	exp  int64
	more *[]store.AccessStamp
}

func (s *stamps) empty() bool { return s.more == nil && s.seq == 0 }

// list returns the stamps; the caller may keep and append to it.
func (s *stamps) list() []store.AccessStamp {
	switch {
	case s.more != nil:
		return *s.more
	case s.seq != 0:
		return []store.AccessStamp{{Seq: s.seq, Exp: s.exp}}
	}
	return nil
}

// set replaces the stamps with l.
func (s *stamps) set(l []store.AccessStamp) {
	switch {
	case len(l) == 0:
		*s = stamps{}
	case len(l) == 1 && l[0].Seq != 0 && l[0].Count == 0:
		*s = stamps{seq: l[0].Seq, exp: l[0].Exp}
	default:
		more := l // declared here so that only this case allocates it
		*s = stamps{more: &more}
	}
}
