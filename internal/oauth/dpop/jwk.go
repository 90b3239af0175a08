package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// privateMembers are the JWK members that hold private key material (RFC
// 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). A proof carrying one has
// leaked its key, and RFC 9449 §4.3 check 7 refuses it.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// RSA modulus sizes accepted: RFC 7518 §3.3's minimum, and a maximum that
// keeps one proof's verification cheap.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// curves maps an ECDSA alg to the curve it requires (RFC 7518 §3.4).
var curves = map[string]string{"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}

// publicKey reads the jwk header of a proof signed with alg and returns
// the key and its RFC 7638 thumbprint. The key type must fit alg, and no
// private member may be present.
func publicKey(raw json.RawMessage, alg string) (crypto.PublicKey, string, error) {
	var m map[string]json.RawMessage
	if err := strictJSON(raw, &m); err != nil {
		return nil, "", fmt.Errorf("not a JSON object")
	}
	for _, name := range privateMembers {
		if _, ok := m[name]; ok {
			return nil, "", fmt.Errorf("it holds the private member %q; a proof carries the public key only", name)
		}
	}
	kty, err := member(m, "kty")
	if err != nil {
		return nil, "", err
	}
	switch {
	case strings.HasPrefix(alg, "ES"):
		if kty != "EC" {
			return nil, "", fmt.Errorf("kty %q does not fit alg %s", kty, alg)
		}
		return ecKey(m, alg)
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		if kty != "RSA" {
			return nil, "", fmt.Errorf("kty %q does not fit alg %s", kty, alg)
		}
		return rsaKey(m)
	case alg == "EdDSA":
		if kty != "OKP" {
			return nil, "", fmt.Errorf("kty %q does not fit alg %s", kty, alg)
		}
		return okpKey(m)
	}
	return nil, "", fmt.Errorf("alg %s is not supported", alg)
}

func ecKey(m map[string]json.RawMessage, alg string) (crypto.PublicKey, string, error) {
	crv, err := member(m, "crv")
	if err != nil {
		return nil, "", err
	}
	if crv != curves[alg] {
		return nil, "", fmt.Errorf("crv %q does not fit alg %s (want %s)", crv, alg, curves[alg])
	}
	size := map[string]int{"P-256": 32, "P-384": 48, "P-521": 66}[crv]
	x, err := b64Member(m, "x", size)
	if err != nil {
		return nil, "", err
	}
	y, err := b64Member(m, "y", size)
	if err != nil {
		return nil, "", err
	}
	point := append(append([]byte{4}, x...), y...)
	curve := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[crv]
	// ParseUncompressedPublicKey refuses a point off the curve, so an
	// invalid-curve key never reaches signature verification.
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, "", fmt.Errorf("the point is not on %s", crv)
	}
	return pub, thumbprint(`{"crv":"` + crv + `","kty":"EC","x":"` + b64(x) + `","y":"` + b64(y) + `"}`), nil
}

func rsaKey(m map[string]json.RawMessage) (crypto.PublicKey, string, error) {
	n, err := b64Member(m, "n", 0)
	if err != nil {
		return nil, "", err
	}
	e, err := b64Member(m, "e", 0)
	if err != nil {
		return nil, "", err
	}
	// Minimal encodings only (RFC 7518 §6.3.1): the thumbprint is computed
	// over the members as sent, so "AAEAAQ" and "AQAB" must not both pass.
	if n[0] == 0 || e[0] == 0 {
		return nil, "", fmt.Errorf("n and e must not have leading zero octets")
	}
	if len(e) > 4 {
		return nil, "", fmt.Errorf("the exponent is too large")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, "", fmt.Errorf("the RSA key has %d bits (accepted: %d to %d)", bits, minRSABits, maxRSABits)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return nil, "", fmt.Errorf("the RSA exponent is invalid")
	}
	return pub, thumbprint(`{"e":"` + b64(e) + `","kty":"RSA","n":"` + b64(n) + `"}`), nil
}

func okpKey(m map[string]json.RawMessage) (crypto.PublicKey, string, error) {
	crv, err := member(m, "crv")
	if err != nil {
		return nil, "", err
	}
	if crv != "Ed25519" {
		return nil, "", fmt.Errorf("crv %q does not fit alg EdDSA (want Ed25519)", crv)
	}
	x, err := b64Member(m, "x", ed25519.PublicKeySize)
	if err != nil {
		return nil, "", err
	}
	return ed25519.PublicKey(x), thumbprint(`{"crv":"Ed25519","kty":"OKP","x":"` + b64(x) + `"}`), nil
}

// member returns a required string member.
func member(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok {
		return "", fmt.Errorf("member %q is missing", name)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", fmt.Errorf("member %q is not a non-empty string", name)
	}
	return s, nil
}

// b64Member returns a required base64url member of size bytes (any
// non-zero length when size is 0).
func b64Member(m map[string]json.RawMessage, name string, size int) ([]byte, error) {
	s, err := member(m, name)
	if err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("member %q is not base64url", name)
	case len(b) == 0, size > 0 && len(b) != size:
		return nil, fmt.Errorf("member %q has the wrong length", name)
	}
	return b, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// thumbprint hashes the canonical JSON of RFC 7638 §3.3 (built by the
// callers from base64url values and fixed names, so no escaping is needed).
func thumbprint(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}
