package jwtutil

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// TestJWKSGolden pins the JWKS document of the demo keys byte for byte.
// Regenerate with: go test ./jwtutil -run TestJWKSGolden -update
func TestJWKSGolden(t *testing.T) {
	s := newSet(t, demoKey(t, RS256), demoKey(t, ES256), demoKey(t, EdDSA), demoKey(t, HS256))
	got := s.JWKS()

	golden := filepath.Join("testdata", "demo-jwks.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func TestJWKSStructure(t *testing.T) {
	rs, es, ed, hs := demoKey(t, RS256), demoKey(t, ES256), demoKey(t, EdDSA), demoKey(t, HS256)
	s := newSet(t, hs, rs, es, ed) // HMAC active: still never published

	var doc struct {
		Keys []map[string]string `json:"keys"` // every member is a string
	}
	require.NoError(t, json.Unmarshal(s.JWKS(), &doc))
	require.Len(t, doc.Keys, 3, "the HMAC key is not published")

	tests := []struct {
		name    string
		key     *Key
		members []string
		fixed   map[string]string
	}{
		{"RSA", rs, []string{"alg", "e", "kid", "kty", "n", "use"}, map[string]string{"kty": "RSA", "alg": "RS256", "e": "AQAB"}},
		{"EC", es, []string{"alg", "crv", "kid", "kty", "use", "x", "y"}, map[string]string{"kty": "EC", "alg": "ES256", "crv": "P-256"}},
		{"OKP", ed, []string{"alg", "crv", "kid", "kty", "use", "x"}, map[string]string{"kty": "OKP", "alg": "EdDSA", "crv": "Ed25519"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jwk := doc.Keys[i]
			got := make([]string, 0, len(jwk))
			for name := range jwk {
				got = append(got, name)
			}
			assert.ElementsMatch(t, tc.members, got, "no private or extra members")
			assert.Equal(t, tc.key.KID(), jwk["kid"])
			assert.Equal(t, "sig", jwk["use"])
			for name, v := range tc.fixed {
				assert.Equal(t, v, jwk[name], name)
			}
			back, err := ParseJWK(mustJSON(t, jwk))
			require.NoError(t, err)
			assert.Equal(t, tc.key.Thumbprint(), back.Thumbprint())
		})
	}
	assert.NotContains(t, string(s.JWKS()), b64.EncodeToString(hs.secret))
	assert.NotContains(t, string(s.JWKS()), `"k"`)
	assert.NotContains(t, string(s.JWKS()), `"d"`)
}

func TestJWKSCached(t *testing.T) {
	s := newSet(t, demoKey(t, ES256))
	first := s.JWKS()
	second := s.JWKS()
	assert.Equal(t, first, second)
	assert.Same(t, &first[0], &second[0], "the same pre-rendered slice, not a re-render")

	snapshot := string(first)
	require.NoError(t, s.Add(demoKey(t, EdDSA)))
	third := s.JWKS()
	assert.NotEqual(t, string(first), string(third), "Add re-renders")
	assert.Equal(t, snapshot, string(first), "documents already handed out never change")

	t.Run("only HMAC keys", func(t *testing.T) {
		assert.JSONEq(t, `{"keys":[]}`, string(newSet(t, demoKey(t, HS256)).JWKS()))
	})
}

func TestJWKSNoAllocs(t *testing.T) {
	s := newSet(t, demoKey(t, RS256), demoKey(t, ES256))
	allocs := testing.AllocsPerRun(100, func() { _ = s.JWKS() })
	assert.Zero(t, allocs)
}
