package jwtutil

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/big"
)

// ParseJWK reads one JSON Web Key (RFC 7517): RSA, EC P-256, OKP Ed25519 or
// oct (HS256), with or without the private members. A public-only JWK gives
// a verify-only Key. "kid" becomes the key's kid when present (else the
// thumbprint); "alg", when present, must match the key type; "use", when
// present, must be "sig". Member names are matched exactly (case-sensitive),
// values must be base64url without padding.
//
// RSA private keys need the primes p and q (multi-prime "oth" keys are
// rejected); the CRT members dp, dq, qi are recomputed rather than trusted.
func ParseJWK(data []byte) (*Key, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: JWK: %v", ErrInvalidKey, err)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: JWK is not an object", ErrInvalidKey)
	}
	j := jwkReader{m: m}
	kty := j.str("kty")
	kid := j.str("kid")
	alg := Algorithm(j.str("alg"))
	use := j.str("use")
	if j.err != nil {
		return nil, j.err
	}
	if _, ok := m["keys"]; ok && kty == "" {
		return nil, fmt.Errorf("%w: this is a JWK Set; pass a single key", ErrInvalidKey)
	}
	if use != "" && use != "sig" {
		return nil, fmt.Errorf("%w: JWK use %q (want \"sig\")", ErrInvalidKey, use)
	}
	if alg != "" && alg.method() == nil {
		return nil, fmt.Errorf("%w: JWK alg %q", ErrUnsupportedAlgorithm, alg)
	}

	var (
		k   *Key
		err error
	)
	switch kty {
	case "RSA":
		k, err = j.rsa(alg)
	case "EC":
		k, err = j.ec(alg)
	case "OKP":
		k, err = j.okp(alg)
	case "oct":
		k, err = j.oct(alg)
	case "":
		return nil, fmt.Errorf("%w: JWK has no kty", ErrInvalidKey)
	default:
		return nil, fmt.Errorf("%w: JWK kty %q", ErrUnsupportedAlgorithm, kty)
	}
	if err != nil {
		return nil, err
	}
	if kid != "" {
		k = k.WithKID(kid)
	}
	return k, nil
}

// jwkReader pulls typed members out of a decoded JWK, keeping the first
// error.
type jwkReader struct {
	m   map[string]json.RawMessage
	err error
}

func (j *jwkReader) has(name string) bool {
	_, ok := j.m[name]
	return ok
}

// str returns a string member, "" when absent.
func (j *jwkReader) str(name string) string {
	raw, ok := j.m[name]
	if !ok || j.err != nil {
		return ""
	}
	var s string
	if bytes.Equal(raw, []byte("null")) || json.Unmarshal(raw, &s) != nil {
		j.err = fmt.Errorf("%w: JWK member %q is not a string", ErrInvalidKey, name)
	}
	return s
}

// bytes returns a required base64url member, checking its length when
// size > 0.
func (j *jwkReader) bytes(name string, size int) []byte {
	if j.err != nil {
		return nil
	}
	if !j.has(name) {
		j.err = fmt.Errorf("%w: JWK member %q is missing", ErrInvalidKey, name)
		return nil
	}
	s := j.str(name)
	if j.err != nil {
		return nil
	}
	b, err := b64.Strict().DecodeString(s)
	switch {
	case err != nil:
		j.err = fmt.Errorf("%w: JWK member %q: %v", ErrInvalidKey, name, err)
	case len(b) == 0:
		j.err = fmt.Errorf("%w: JWK member %q is empty", ErrInvalidKey, name)
	case size > 0 && len(b) != size:
		j.err = fmt.Errorf("%w: JWK member %q is %d bytes, want %d", ErrInvalidKey, name, len(b), size)
	}
	return b
}

func (j *jwkReader) rsa(alg Algorithm) (*Key, error) {
	n := j.bytes("n", 0)
	eb := j.bytes("e", 0)
	if j.err != nil {
		return nil, j.err
	}
	if len(eb) > 4 {
		return nil, fmt.Errorf("%w: RSA exponent too large", ErrInvalidKey)
	}
	e := int(new(big.Int).SetBytes(eb).Int64())
	if len(n)*8 > maxRSABits+8 {
		return nil, fmt.Errorf("%w: RSA modulus too large", ErrInvalidKey)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: e}
	if _, err := algForPublic(pub); err != nil { // size checks before any heavy math
		return nil, err
	}
	if !j.has("d") {
		return newAsymmetricKey(alg, nil, pub)
	}
	if j.has("oth") {
		return nil, fmt.Errorf("%w: multi-prime RSA keys are not supported", ErrInvalidKey)
	}
	d := j.bytes("d", 0)
	p := j.bytes("p", 0)
	q := j.bytes("q", 0)
	if j.err != nil {
		return nil, j.err
	}
	priv := &rsa.PrivateKey{
		PublicKey: *pub,
		D:         new(big.Int).SetBytes(d),
		Primes:    []*big.Int{new(big.Int).SetBytes(p), new(big.Int).SetBytes(q)},
	}
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("%w: RSA private key: %v", ErrInvalidKey, err)
	}
	priv.Precompute()
	return newAsymmetricKey(alg, priv, &priv.PublicKey)
}

func (j *jwkReader) ec(alg Algorithm) (*Key, error) {
	if crv := j.str("crv"); j.err == nil && crv != "P-256" {
		return nil, fmt.Errorf("%w: EC curve %q (only P-256/ES256 is supported)", ErrUnsupportedAlgorithm, crv)
	}
	const size = 32
	x := j.bytes("x", size)
	y := j.bytes("y", size)
	if j.err != nil {
		return nil, j.err
	}
	pt := make([]byte, 0, 1+2*size)
	pt = append(append(append(pt, 4), x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt)
	if err != nil {
		return nil, fmt.Errorf("%w: EC point: %v", ErrInvalidKey, err)
	}
	if !j.has("d") {
		return newAsymmetricKey(alg, nil, pub)
	}
	d := j.bytes("d", size)
	if j.err != nil {
		return nil, j.err
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("%w: EC private key: %v", ErrInvalidKey, err)
	}
	return newAsymmetricKey(alg, priv, pub) // checks d matches (x, y)
}

func (j *jwkReader) okp(alg Algorithm) (*Key, error) {
	if crv := j.str("crv"); j.err == nil && crv != "Ed25519" {
		return nil, fmt.Errorf("%w: OKP curve %q (only Ed25519/EdDSA is supported)", ErrUnsupportedAlgorithm, crv)
	}
	x := j.bytes("x", ed25519.PublicKeySize)
	if j.err != nil {
		return nil, j.err
	}
	pub := ed25519.PublicKey(x)
	if !j.has("d") {
		return newAsymmetricKey(alg, nil, pub)
	}
	d := j.bytes("d", ed25519.SeedSize)
	if j.err != nil {
		return nil, j.err
	}
	return newAsymmetricKey(alg, ed25519.NewKeyFromSeed(d), pub) // checks d matches x
}

func (j *jwkReader) oct(alg Algorithm) (*Key, error) {
	if alg != "" && alg != HS256 {
		return nil, fmt.Errorf("%w: %s cannot be used with an oct key", ErrUnsupportedAlgorithm, alg)
	}
	secret := j.bytes("k", 0)
	if j.err != nil {
		return nil, j.err
	}
	return NewHMAC(secret)
}

// PublicJWK returns k's public JWK: kty, kid, alg, use "sig" and the public
// members (RSA: n, e; EC: crv, x, y; OKP: crv, x). It returns nil for HMAC
// keys, whose secret is never published. The map is fresh on every call.
func (k *Key) PublicJWK() map[string]any {
	if k.pub == nil {
		return nil
	}
	kty, ms, err := publicMembers(k.pub)
	if err != nil { // cannot happen: checked at construction
		return nil
	}
	out := make(map[string]any, len(ms)+4)
	out["kty"] = kty
	out["kid"] = k.id
	out["alg"] = string(k.alg)
	out["use"] = "sig"
	for _, m := range ms {
		out[m.name] = m.value
	}
	return out
}
