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
		for k, vs := range cutValues(q) {
			for _, v := range append([]string{k}, vs...) {
				if len(v) > maxValueBytes+len("…[] bytes cut")+20 {
					t.Fatalf("value of %d bytes kept", len(v))
				}
				if len(v) > maxValueBytes && !strings.Contains(v, " bytes cut]") {
					t.Fatalf("cut without a marker: %q", v[len(v)-30:])
				}
				if utf8.ValidString(raw) && !utf8.ValidString(v) {
					t.Fatalf("a cut split a character")
				}
			}
		}
	})
}
