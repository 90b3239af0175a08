package journal

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCutQuery: any raw query is parsed within its bound, every kept value
// is within maxValueBytes plus its marker, and a cut is always reported.
func FuzzCutQuery(f *testing.F) {
	f.Add("a=1&b=2")
	f.Add("q=" + strings.Repeat("x", maxQueryBytes+10))
	f.Add(strings.Repeat("a=1&", maxQueryBytes/4+5))
	f.Add("%zz=%&&=&a")
	f.Add("v=" + strings.Repeat("é", maxValueBytes))
	f.Fuzz(func(t *testing.T, raw string) {
		q, note := cutQuery(raw)
		if (len(raw) > maxQueryBytes) != (note != "") {
			t.Fatalf("len %d, note %q", len(raw), note)
		}
		for k, vs := range q {
			for _, v := range append([]string{k}, vs...) {
				c := cutValue(v)
				if len(c) > maxValueBytes+len("…[] bytes cut")+20 {
					t.Fatalf("value of %d bytes kept", len(c))
				}
				if len(c) > maxValueBytes && !strings.Contains(c, " bytes cut]") {
					t.Fatalf("cut without a marker: %q", c[len(c)-30:])
				}
				// A percent escape may decode to invalid UTF-8 ("%80"); the
				// cut must not make a valid value invalid.
				if utf8.ValidString(v) && !utf8.ValidString(c) {
					t.Fatalf("a cut split a character")
				}
			}
		}
	})
}
