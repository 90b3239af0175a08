package bbolt

import (
	"bytes"
	"testing"
)

// FuzzDecode: the decoders read whatever a damaged file holds without
// panicking, and what entry and mark encode decodes back.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 9, 1, '{', '}'})
	f.Add(mark{level: 2, until: 5, wall: 7}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = parseEntry(b)
		_ = parseMark(b)
		_ = u64(b)
		exp := u64(b)
		flag := len(b) > 0 && b[0]&1 == 1
		gotExp, gotFlag, body := parseEntry(entry(exp, flag, b))
		if gotExp != exp || gotFlag != flag || !bytes.Equal(body, b) {
			t.Fatalf("entry round trip: got %d %v %q", gotExp, gotFlag, body)
		}
		m := mark{level: uint8(len(b)), until: exp, wall: exp / 2}
		if got := parseMark(m.encode()); got != m {
			t.Fatalf("mark round trip: got %+v, want %+v", got, m)
		}
	})
}
