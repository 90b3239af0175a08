package oidc

import (
	"strings"
	"testing"
)

// FuzzNormalizeUserCode: whatever a person types or a device code
// carries, the parsers never panic, accept only 8 letters of the
// alphabet, and read their own display form back.
func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"WDJB-MJHT", "wdjb mjht", "WDJBMJHT", "", "-", "WDJA-MJHT", "ＷDJB-MJHT", "abc.WDJBMJHT", "x.wdjbmjht"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if code, ok := normalizeUserCode(s); ok {
			if len(code) != userCodeLength || strings.Trim(code, userCodeAlphabet) != "" {
				t.Fatalf("normalizeUserCode(%q) = %q", s, code)
			}
			if again, ok := normalizeUserCode(formatUserCode(code)); !ok || again != code {
				t.Fatalf("display form %q of %q does not read back", formatUserCode(code), code)
			}
		} else if code != "" {
			t.Fatalf("normalizeUserCode(%q) refused but returned %q", s, code)
		}
		if uc, ok := deviceCodeUserCode(s); ok {
			if !strings.HasSuffix(s, "."+uc) || len(uc) != userCodeLength || strings.Trim(uc, userCodeAlphabet) != "" {
				t.Fatalf("deviceCodeUserCode(%q) = %q", s, uc)
			}
		}
	})
}
