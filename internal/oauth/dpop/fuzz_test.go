package dpop

import (
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/oauth"
)

// FuzzParse feeds arbitrary DPoP header values to Parse: it must never
// panic, must refuse with an invalid_dpop_proof error whenever it refuses,
// and whatever it accepts must carry a thumbprint and the required claims.
func FuzzParse(f *testing.F) {
	for _, alg := range []string{"ES256", "RS256", "EdDSA"} {
		k := newKey(f, alg)
		f.Add(k.proof(f, nil, nil))
		f.Add(k.proof(f, map[string]any{"ath": "x", "nonce": "n", "iat": 1.5}, nil))
		f.Add(k.proof(f, nil, map[string]any{"jwk": map[string]any{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "d": "AAAA"}}))
	}
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6Im5vbmUifQ.e30.")
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := Parse(raw, Algorithms)
		if err != nil {
			e, ok := err.(*oauth.Error)
			if !ok || e.Code != CodeInvalidProof || e.Description == "" {
				t.Fatalf("Parse(%q) = %v, want an invalid_dpop_proof *oauth.Error", raw, err)
			}
			return
		}
		if len(p.JKT) != 43 || p.JTI == "" || p.HTM == "" || p.HTU == "" || strings.Count(raw, ".") != 2 {
			t.Fatalf("Parse(%q) accepted %+v", raw, p)
		}
	})
}

// FuzzNormalizeHTU: normalising is idempotent, and never yields a query or
// fragment.
func FuzzNormalizeHTU(f *testing.F) {
	for _, s := range []string{"https://AS.example:443/a/../token?x#y", "http://[::1]:80/%7e", "http://h", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, ok := NormalizeHTU(raw)
		if !ok {
			return
		}
		if strings.ContainsAny(n, "?#") {
			t.Fatalf("NormalizeHTU(%q) = %q keeps a query or fragment", raw, n)
		}
		again, ok := NormalizeHTU(n)
		if !ok || again != n {
			t.Fatalf("NormalizeHTU is not idempotent: %q → %q → %q (%v)", raw, n, again, ok)
		}
	})
}
