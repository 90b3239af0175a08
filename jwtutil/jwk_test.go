package jwtutil

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// editJWK decodes a JWK, applies edit, and re-encodes it.
func editJWK(tb testing.TB, jwk []byte, edit func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	require.NoError(tb, json.Unmarshal(jwk, &m))
	edit(m)
	return mustJSON(tb, m)
}

func TestParseJWKRoundTrip(t *testing.T) {
	for _, alg := range allAlgs {
		t.Run(string(alg)+"/public", func(t *testing.T) {
			k := demoKey(t, alg)
			pub := k.PublicJWK()
			if alg == HS256 {
				assert.Nil(t, pub, "HMAC keys have no public JWK")
				return
			}
			back, err := ParseJWK(mustJSON(t, pub))
			require.NoError(t, err)
			assert.Equal(t, k.Thumbprint(), back.Thumbprint())
			assert.Equal(t, k.KID(), back.KID())
			assert.Equal(t, alg, back.Alg())
			assert.False(t, back.CanSign())
			assert.Equal(t, pub, back.PublicJWK())

			tok, err := newSet(t, k).Sign(validClaims())
			require.NoError(t, err)
			_, err = newSet(t, genKey(t, alg), back).Verify(tok, nil, verifyOpts())
			assert.NoError(t, err, "the public JWK verifies the private key's tokens")
		})
		t.Run(string(alg)+"/private", func(t *testing.T) {
			k := demoKey(t, alg).WithKID("custom")
			back, err := ParseJWK(privateJWK(t, k))
			require.NoError(t, err)
			assert.Equal(t, k.Thumbprint(), back.Thumbprint())
			assert.Equal(t, "custom", back.KID())
			assert.True(t, back.CanSign())

			tok, err := newSet(t, back).Sign(validClaims())
			require.NoError(t, err)
			_, err = newSet(t, k).Verify(tok, nil, verifyOpts())
			assert.NoError(t, err, "the parsed private JWK signs like the original")
		})
	}
	t.Run("no kid means thumbprint", func(t *testing.T) {
		k := demoKey(t, ES256)
		back, err := ParseJWK(editJWK(t, privateJWK(t, k), func(m map[string]any) { delete(m, "kid") }))
		require.NoError(t, err)
		assert.Equal(t, k.Thumbprint(), back.KID())
	})
	t.Run("no alg is inferred", func(t *testing.T) {
		for _, alg := range allAlgs {
			back, err := ParseJWK(editJWK(t, privateJWK(t, demoKey(t, alg)), func(m map[string]any) { delete(m, "alg"); delete(m, "use") }))
			require.NoError(t, err, alg)
			assert.Equal(t, alg, back.Alg())
		}
	})
}

func TestParseJWKPublicMembers(t *testing.T) {
	tests := []struct {
		name string
		alg  Algorithm
		want []string
	}{
		{"RSA", RS256, []string{"alg", "e", "kid", "kty", "n", "use"}},
		{"EC", ES256, []string{"alg", "crv", "kid", "kty", "use", "x", "y"}},
		{"OKP", EdDSA, []string{"alg", "crv", "kid", "kty", "use", "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jwk := demoKey(t, tc.alg).PublicJWK()
			got := make([]string, 0, len(jwk))
			for k := range maps.Keys(jwk) {
				got = append(got, k)
			}
			assert.ElementsMatch(t, tc.want, got)
			assert.Equal(t, tc.name, jwk["kty"])
			assert.Equal(t, "sig", jwk["use"])
			assert.Equal(t, string(tc.alg), jwk["alg"])
		})
	}
}

func TestParseJWKRejects(t *testing.T) {
	rsaPriv := privateJWK(t, demoKey(t, RS256))
	ecPriv := privateJWK(t, demoKey(t, ES256))
	edPriv := privateJWK(t, demoKey(t, EdDSA))
	octPriv := privateJWK(t, demoKey(t, HS256))
	otherEC := privateJWK(t, genKey(t, ES256))
	otherEd := privateJWK(t, genKey(t, EdDSA))
	otherRSA := privateJWK(t, genKey(t, RS256))
	field := func(jwk []byte, name string) any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(jwk, &m))
		return m[name]
	}
	set := func(jwk []byte, kv ...any) []byte {
		return editJWK(t, jwk, func(m map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
				} else {
					m[kv[i].(string)] = kv[i+1]
				}
			}
		})
	}

	tests := []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"garbage", []byte("not json"), ErrInvalidKey},
		{"empty", nil, ErrInvalidKey},
		{"null", []byte("null"), ErrInvalidKey},
		{"array", []byte("[]"), ErrInvalidKey},
		{"empty object", []byte("{}"), ErrInvalidKey},
		{"JWK set", []byte(`{"keys":[` + rfc7638Key + `]}`), ErrInvalidKey},
		{"unknown kty", set(ecPriv, "kty", "ECX"), ErrUnsupportedAlgorithm},
		{"kty not a string", set(ecPriv, "kty", 1), ErrInvalidKey},
		{"kty wrong case", set(ecPriv, "kty", "ec"), ErrUnsupportedAlgorithm},
		{"member names are case-sensitive", set(ecPriv, "kty", nil, "KTY", "EC"), ErrInvalidKey},
		{"alg none", set(rsaPriv, "alg", "none"), ErrUnsupportedAlgorithm},
		{"alg PS256", set(rsaPriv, "alg", "PS256"), ErrUnsupportedAlgorithm},
		{"ES256 on RSA", set(rsaPriv, "alg", "ES256"), ErrUnsupportedAlgorithm},
		{"RS256 on EC", set(ecPriv, "alg", "RS256"), ErrUnsupportedAlgorithm},
		{"HS256 on OKP", set(edPriv, "alg", "HS256"), ErrUnsupportedAlgorithm},
		{"RS256 on oct", set(octPriv, "alg", "RS256"), ErrUnsupportedAlgorithm},
		{"use enc", set(ecPriv, "use", "enc"), ErrInvalidKey},
		{"kid not a string", set(ecPriv, "kid", 7), ErrInvalidKey},
		{"kid null", set(ecPriv, "kid", json.RawMessage("null")), ErrInvalidKey},
		{"EC P-384", set(ecPriv, "crv", "P-384"), ErrUnsupportedAlgorithm},
		{"EC no crv", set(ecPriv, "crv", nil), ErrUnsupportedAlgorithm},
		{"EC missing y", set(ecPriv, "y", nil), ErrInvalidKey},
		{"EC short x", set(ecPriv, "x", "AAAA"), ErrInvalidKey},
		{"EC point not on curve", set(ecPriv, "x", field(otherEC, "x")), ErrInvalidKey},
		{"EC d of another key", set(ecPriv, "d", field(otherEC, "d")), ErrInvalidKey},
		{"EC d zero", set(ecPriv, "d", b64.EncodeToString(make([]byte, 32))), ErrInvalidKey},
		{"padded base64", set(ecPriv, "x", field(ecPriv, "x").(string)+"="), ErrInvalidKey},
		{"std base64 alphabet", set(octPriv, "k", strings.Repeat("+/", 22)), ErrInvalidKey},
		{"OKP X25519", set(edPriv, "crv", "X25519"), ErrUnsupportedAlgorithm},
		{"OKP d of another key", set(edPriv, "d", field(otherEd, "d")), ErrInvalidKey},
		{"OKP short x", set(edPriv, "x", "AAAA"), ErrInvalidKey},
		{"RSA d without primes", set(rsaPriv, "p", nil, "q", nil), ErrInvalidKey},
		{"RSA multi-prime", set(rsaPriv, "oth", []any{}), ErrInvalidKey},
		{"RSA d of another key", set(rsaPriv, "d", field(otherRSA, "d")), ErrInvalidKey},
		{"RSA primes of another key", set(rsaPriv, "p", field(otherRSA, "p"), "q", field(otherRSA, "q")), ErrInvalidKey},
		{"RSA even exponent", set(rsaPriv, "d", nil, "e", "AQAA"), ErrInvalidKey},
		{"RSA huge exponent", set(rsaPriv, "d", nil, "e", "AQAAAAAB"), ErrInvalidKey},
		{"RSA 1024 bits", set(rsaPriv, "d", nil, "n", b64.EncodeToString(append([]byte{0x80}, make([]byte, 127)...))), ErrInvalidKey},
		{"RSA missing n", set(rsaPriv, "n", nil), ErrInvalidKey},
		{"RSA empty e", set(rsaPriv, "e", ""), ErrInvalidKey},
		{"oct short", set(octPriv, "k", b64.EncodeToString(make([]byte, 31))), ErrInvalidKey},
		{"oct missing k", set(octPriv, "k", nil), ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseJWK(tc.data)
			assert.ErrorIs(t, err, tc.wantErr)
			assert.Nil(t, k)
		})
	}
}
