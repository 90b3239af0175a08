package jwtutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
)

// b64 is base64url without padding, the JOSE encoding (RFC 7515 §2).
var b64 = base64.RawURLEncoding

// Thumbprint returns k's RFC 7638 JWK thumbprint: base64url(SHA-256) of the
// JSON object holding only the required members, in lexicographic order
// (RSA: e, kty, n; EC: crv, kty, x, y; OKP: crv, kty, x; oct: k, kty).
// It is computed once, when the key is built.
func (k *Key) Thumbprint() string { return k.thumb }

// member is one JWK member name and its (already encoded) string value.
type member struct{ name, value string }

// publicMembers returns the kty and the required public members of pub in
// lexicographic order (RFC 7638 §3.2), without kty itself.
func publicMembers(pub crypto.PublicKey) (kty string, ms []member, err error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		e := big.NewInt(int64(p.E)).Bytes()
		return "RSA", []member{{"e", b64.EncodeToString(e)}, {"n", b64.EncodeToString(p.N.Bytes())}}, nil
	case *ecdsa.PublicKey:
		pt, err := p.Bytes() // 0x04 || X || Y, each coordinate full length
		if err != nil {
			return "", nil, fmt.Errorf("%w: EC point: %v", ErrInvalidKey, err)
		}
		size := (len(pt) - 1) / 2
		return "EC", []member{
			{"crv", p.Curve.Params().Name},
			{"x", b64.EncodeToString(pt[1 : 1+size])},
			{"y", b64.EncodeToString(pt[1+size:])},
		}, nil
	case ed25519.PublicKey:
		return "OKP", []member{{"crv", "Ed25519"}, {"x", b64.EncodeToString(p)}}, nil
	}
	return "", nil, fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, pub)
}

// thumbprintPublic computes the RFC 7638 thumbprint of an asymmetric key.
func thumbprintPublic(pub crypto.PublicKey) (string, error) {
	kty, ms, err := publicMembers(pub)
	if err != nil {
		return "", err
	}
	return thumbprintOf(kty, ms), nil
}

// thumbprintOct computes the RFC 7638 thumbprint of an HMAC secret.
func thumbprintOct(secret []byte) string {
	return thumbprintOf("oct", []member{{"k", b64.EncodeToString(secret)}})
}

// thumbprintOf hashes the canonical JSON of kty plus ms. Every value is a
// base64url string or a fixed curve name, so no JSON escaping is needed and
// none is applied; the output has no whitespace (RFC 7638 §3.3).
func thumbprintOf(kty string, ms []member) string {
	all := make([]member, 0, len(ms)+1)
	all = append(all, ms...)
	all = append(all, member{"kty", kty})
	// Insertion sort: at most five members.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && all[j].name < all[j-1].name; j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	var sb strings.Builder
	sb.WriteByte('{')
	for i, m := range all {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"` + m.name + `":"` + m.value + `"`)
	}
	sb.WriteByte('}')
	sum := sha256.Sum256([]byte(sb.String()))
	return b64.EncodeToString(sum[:])
}
