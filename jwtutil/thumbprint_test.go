package jwtutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfc7638Key is the example key of RFC 7638 §3.1 (also RFC 7517 A.1).
const rfc7638Key = `{
  "kty": "RSA",
  "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
  "e": "AQAB",
  "alg": "RS256",
  "kid": "2011-04-29"
}`

func TestThumbprintRFC7638(t *testing.T) {
	k, err := ParseJWK([]byte(rfc7638Key))
	require.NoError(t, err)
	assert.Equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", k.Thumbprint())
	assert.Equal(t, "2011-04-29", k.KID(), "an explicit kid wins over the thumbprint")
	assert.Equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", k.WithKID("").KID())
	assert.False(t, k.CanSign())
}

// TestThumbprintDemoKeys pins the demo keys' kids: other packages, golden
// files and docs rely on them, so a change here is a breaking change.
// The values were cross-checked with an independent implementation (Python
// cryptography + json.dumps(sort_keys=True)). The HS256 key is NewHMAC over
// the raw bytes of demo-hs256.secret.
func TestThumbprintDemoKeys(t *testing.T) {
	want := map[Algorithm]string{
		RS256: "7KFPtzrBSZGn6lHtax5SP2IAO3n26NGztQmZ4XjPWZ0",
		ES256: "ug53OXfo2ZPVjREfxoFO4iJOWTKXR9Dx_Zcr7M9T_sk",
		EdDSA: "m5ZS-BBT2TQbx4MAYxlvMfCaR2F_uKeyY8wH6ti8uWk",
		HS256: "Wlqaxj5VoOVshousbZBbl1VWdwn64MWG_K4Lqj5W5j0",
	}
	for _, alg := range allAlgs {
		t.Run(string(alg), func(t *testing.T) {
			k := demoKey(t, alg)
			assert.Equal(t, want[alg], k.Thumbprint())
			assert.Equal(t, want[alg], k.KID())
			assert.Equal(t, k.Thumbprint(), demoKey(t, alg).Thumbprint(), "stable across loads")
		})
	}
}

func TestThumbprintOct(t *testing.T) {
	// Computed independently: base64url(SHA-256(`{"k":"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE","kty":"oct"}`)).
	k, err := NewHMAC([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	require.NoError(t, err)
	assert.Equal(t, "KlawgYZUGK-Fcifbr5MJOR_BEmAyvVzQDiuFKRq51oM", k.Thumbprint())
}

func TestThumbprintRFC8037(t *testing.T) {
	// RFC 8037 A.1 key; A.3 gives its thumbprint.
	k, err := ParseJWK([]byte(`{"kty":"OKP","crv":"Ed25519",
	  "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
	  "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	require.NoError(t, err)
	assert.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", k.Thumbprint())
	assert.True(t, k.CanSign())
	assert.Equal(t, EdDSA, k.Alg())
}
