package jwtutil

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// allAlgs is every supported algorithm, in a fixed order for table tests.
var allAlgs = []Algorithm{RS256, ES256, EdDSA, HS256}

// demoFiles maps each algorithm to its demo key under fixtures/keys.
var demoFiles = map[Algorithm]string{
	RS256: "demo-rs256.pem",
	ES256: "demo-es256.pem",
	EdDSA: "demo-eddsa.pem",
	HS256: "demo-hs256.secret",
}

// testNow is the fixed instant tests and fuzz seeds are judged at.
var testNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedNow() time.Time { return testNow }

func readDemo(tb testing.TB, alg Algorithm) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "keys", demoFiles[alg]))
	require.NoError(tb, err)
	return b
}

// demoKey loads the demo key for alg: PEM files through ParsePEM, the HS256
// secret file's raw bytes through NewHMAC.
func demoKey(tb testing.TB, alg Algorithm) *Key {
	tb.Helper()
	data := readDemo(tb, alg)
	var (
		k   *Key
		err error
	)
	if alg == HS256 {
		k, err = NewHMAC(data)
	} else {
		k, err = ParsePEM(data, alg)
	}
	require.NoError(tb, err)
	return k
}

func genKey(tb testing.TB, alg Algorithm) *Key {
	tb.Helper()
	k, err := GenerateKey(alg)
	require.NoError(tb, err)
	return k
}

func newSet(tb testing.TB, active *Key, others ...*Key) *KeySet {
	tb.Helper()
	s, err := NewKeySet(active, others...)
	require.NoError(tb, err)
	return s
}

// validClaims are registered claims that pass default VerifyOptions at
// testNow.
func validClaims() *jwt.RegisteredClaims {
	return &jwt.RegisteredClaims{
		Issuer:    "https://issuer.example",
		Subject:   "alice",
		Audience:  jwt.ClaimStrings{"client-1"},
		IssuedAt:  jwt.NewNumericDate(testNow.Add(-time.Minute)),
		NotBefore: jwt.NewNumericDate(testNow.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(testNow.Add(time.Hour)),
		ID:        "jti-1",
	}
}

func verifyOpts() VerifyOptions {
	return VerifyOptions{Now: fixedNow, Issuer: "https://issuer.example", Audience: []string{"client-1"}}
}

// craft assembles a compact JWS from arbitrary header and claims, with the
// signature produced by sign (nil: empty signature).
func craft(tb testing.TB, header, claims map[string]any, sign func(signingInput string) []byte) string {
	tb.Helper()
	h, err := json.Marshal(header)
	require.NoError(tb, err)
	c, err := json.Marshal(claims)
	require.NoError(tb, err)
	in := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	var sig []byte
	if sign != nil {
		sig = sign(in)
	}
	return in + "." + b64.EncodeToString(sig)
}

// claimsMap is validClaims as a map, for craft.
func claimsMap() map[string]any {
	return map[string]any{
		"iss": "https://issuer.example",
		"sub": "alice",
		"aud": "client-1",
		"iat": testNow.Add(-time.Minute).Unix(),
		"exp": testNow.Add(time.Hour).Unix(),
	}
}

// privateJWK renders a key's private JWK (the package itself only exports
// public ones).
func privateJWK(tb testing.TB, k *Key) []byte {
	tb.Helper()
	m := k.PublicJWK()
	switch p := k.signer.(type) {
	case *rsa.PrivateKey:
		m["d"] = b64.EncodeToString(p.D.Bytes())
		m["p"] = b64.EncodeToString(p.Primes[0].Bytes())
		m["q"] = b64.EncodeToString(p.Primes[1].Bytes())
	case *ecdsa.PrivateKey:
		d, err := p.Bytes()
		require.NoError(tb, err)
		m["d"] = b64.EncodeToString(d)
	case ed25519.PrivateKey:
		m["d"] = b64.EncodeToString(p.Seed())
	default:
		require.NotNil(tb, k.secret, "no private material")
		m = map[string]any{"kty": "oct", "kid": k.KID(), "alg": "HS256", "k": b64.EncodeToString(k.secret)}
	}
	b, err := json.Marshal(m)
	require.NoError(tb, err)
	return b
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	require.NoError(tb, err)
	return b
}

// signature is k's raw JWS signature of input in a slice of its own.
func (k *Key) signature(input []byte) ([]byte, error) {
	return k.appendSignature(nil, input)
}

// appenderClaims are claims that write their own JSON, as the token
// endpoint's do, so that benchmarks and tests take sign's ClaimsAppender
// path. Their JSON is what encoding/json writes for rc.
type appenderClaims struct {
	jwt.RegisteredClaims
	json []byte
}

func (c *appenderClaims) AppendClaimsJSON(dst []byte) ([]byte, error) {
	return append(dst, c.json...), nil
}

func newAppenderClaims(tb testing.TB, rc *jwt.RegisteredClaims) *appenderClaims {
	tb.Helper()
	return &appenderClaims{RegisteredClaims: *rc, json: mustJSON(tb, rc)}
}
