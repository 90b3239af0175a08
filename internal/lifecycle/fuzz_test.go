package lifecycle

import (
	"strings"
	"testing"
)

// FuzzParseJTI: a jti the admin API is handed is either refused or reads
// back as the jti it was laid out from; nothing else is accepted.
func FuzzParseJTI(f *testing.F) {
	for _, s := range []string{"", "nope", "0123456789abcdef0123456789abcdef", "18ee89788a76442c67c6a65f3751c1f1",
		"00000000000000000000000000000000", "18EE89788A76442C67C6A65F3751C1F1", strings.Repeat("f", 32), strings.Repeat("g", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, jti string) {
		seq, exp, tag, ok := ParseJTI(jti)
		if !ok {
			return
		}
		if seq == 0 {
			t.Fatalf("%q: accepted with sequence number 0", jti)
		}
		if again := newJTI(seq, exp, tag); again != jti {
			t.Fatalf("%q reads back as %q", jti, again)
		}
	})
}
