package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"maps"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// testKey is a client's DPoP key pair and its public JWK.
type testKey struct {
	alg    string
	signer crypto.Signer
	jwk    map[string]any
}

func newKey(t testing.TB, alg string) testKey {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	switch alg {
	case "ES256", "ES384", "ES512":
		c := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		require.NoError(t, err)
		size := (c.Params().BitSize + 7) / 8
		return testKey{alg, k, map[string]any{"kty": "EC", "crv": c.Params().Name, "x": enc(k.X.FillBytes(make([]byte, size))), "y": enc(k.Y.FillBytes(make([]byte, size)))}}
	case "RS256", "PS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		return testKey{alg, k, map[string]any{"kty": "RSA", "n": enc(k.N.Bytes()), "e": enc(big.NewInt(int64(k.E)).Bytes())}}
	case "EdDSA":
		pub, k, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		return testKey{alg, k, map[string]any{"kty": "OKP", "crv": "Ed25519", "x": enc(pub)}}
	}
	t.Fatalf("no test key for %s", alg)
	return testKey{}
}

// proof signs a proof; claims and header entries override the defaults
// (a nil value deletes the member).
func (k testKey) proof(t testing.TB, claims, header map[string]any) string {
	t.Helper()
	c := jwt.MapClaims{"jti": "jti-" + rand.Text(), "htm": "POST", "htu": "https://as.example/token", "iat": testNow.Unix()}
	for n, v := range claims {
		if v == nil {
			delete(c, n)
		} else {
			c[n] = v
		}
	}
	method := jwt.GetSigningMethod(k.alg)
	tok := jwt.NewWithClaims(method, c)
	tok.Header["typ"] = Type
	tok.Header["jwk"] = maps.Clone(k.jwk)
	for n, v := range header {
		if v == nil {
			delete(tok.Header, n)
		} else {
			tok.Header[n] = v
		}
	}
	s, err := tok.SignedString(k.signer)
	require.NoError(t, err)
	return s
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// resign replaces a proof's header with h and signs it again with k, for
// headers golang-jwt would not write (a wrong alg name, say).
func resign(t testing.TB, k testKey, signAlg string, h map[string]any, claims map[string]any) string {
	t.Helper()
	hb, err := json.Marshal(h)
	require.NoError(t, err)
	cb, err := json.Marshal(claims)
	require.NoError(t, err)
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(cb)
	sig, err := jwt.GetSigningMethod(signAlg).Sign(input, k.signer)
	require.NoError(t, err)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func split(s string) []string { return strings.Split(s, ".") }
