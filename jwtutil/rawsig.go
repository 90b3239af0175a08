package jwtutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"hash"
	"slices"
	"sync"
)

// appendSignature appends k's raw JWS signature of input (RFC 7515 §5.1
// step 5, before base64url) to dst, so that sign can write it straight
// into the token buffer instead of going through golang-jwt's
// SigningMethod.Sign, which allocates a fresh slice (and, for HS256, a
// fresh keyed HMAC) per call. dst and input may share an array as long as
// input ends at or before len(dst).
func (k *Key) appendSignature(dst, input []byte) ([]byte, error) {
	if k.ossl != nil {
		return k.ossl.appendRS256(dst, input)
	}
	if k.hmacs != nil {
		return appendHMAC(k.hmacs, dst, input), nil
	}
	switch priv := k.signer.(type) {
	case ed25519.PrivateKey:
		return append(dst, ed25519.Sign(priv, input)...), nil
	case *ecdsa.PrivateKey:
		return appendES256(dst, priv, input)
	case *rsa.PrivateKey:
		return appendRS256(dst, priv, input)
	case nil:
		return nil, errors.New("key is verify-only")
	}
	return nil, errUnsupportedSigner
}

var errUnsupportedSigner = errors.New("unsupported private key type")

// newHMACPool returns a pool of HMAC-SHA-256 states keyed with secret.
// Keying costs two SHA-256 blocks and several allocations; a pooled state
// is reset to its keyed form by crypto/hmac's Reset, which restores a saved
// copy rather than re-hashing the key.
func newHMACPool(secret []byte) *sync.Pool {
	return &sync.Pool{New: func() any {
		h := hmac.New(sha256.New, secret)
		h.Reset() // saves the keyed states, so later Resets only restore them
		return h
	}}
}

func appendHMAC(p *sync.Pool, dst, input []byte) []byte {
	h := p.Get().(hash.Hash)
	h.Write(input)
	dst = h.Sum(dst)
	h.Reset()
	p.Put(h)
	return dst
}

// appendES256 appends the JWS form of an ECDSA P-256 signature, r||s as
// two 32-byte big-endian integers (RFC 7518 §3.4). crypto/ecdsa only
// returns DER (SignASN1) or big.Ints (Sign, which parses the DER into
// them), so the DER is converted directly.
func appendES256(dst []byte, priv *ecdsa.PrivateKey, input []byte) ([]byte, error) {
	digest := sha256.Sum256(input)
	der, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	if err != nil {
		return nil, err
	}
	return appendECDSARaw(dst, der, (priv.Curve.Params().BitSize+7)/8)
}

// appendRS256 appends the RSASSA-PKCS1-v1_5 SHA-256 signature of input.
func appendRS256(dst []byte, priv *rsa.PrivateKey, input []byte) ([]byte, error) {
	digest := sha256.Sum256(input)
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:]) // deterministic: no randomness used
	if err != nil {
		return nil, err
	}
	return append(dst, sig...), nil
}

var errECDSADER = errors.New("malformed ECDSA signature")

// appendECDSARaw converts a DER ECDSA-Sig-Value, SEQUENCE { INTEGER r,
// INTEGER s }, to r||s, each left-padded to size bytes, and appends it to
// dst. It accepts strict DER only (minimal lengths and integers) and
// rejects r or s that is zero, negative or wider than size: none can come
// from a correct signer, so any of them means the input is not what
// SignASN1 produces.
func appendECDSARaw(dst, der []byte, size int) ([]byte, error) {
	body, rest, ok := derElement(der, 0x30)
	if !ok || len(rest) != 0 {
		return nil, errECDSADER
	}
	r, body, ok := derUnsigned(body, size)
	if !ok {
		return nil, errECDSADER
	}
	s, body, ok := derUnsigned(body, size)
	if !ok || len(body) != 0 {
		return nil, errECDSADER
	}
	n := len(dst)
	dst = slices.Grow(dst, 2*size)[:n+2*size]
	out := dst[n:]
	clear(out)
	copy(out[size-len(r):size], r)
	copy(out[2*size-len(s):], s)
	return dst, nil
}

// derElement splits off one DER element with the given tag, returning its
// contents and what follows it. Lengths must be minimal; two length bytes
// are plenty for any ECDSA signature (P-521's is under 140 bytes).
func derElement(b []byte, tag byte) (contents, rest []byte, ok bool) {
	if len(b) < 2 || b[0] != tag {
		return nil, nil, false
	}
	n, hdr := int(b[1]), 2
	switch {
	case n < 0x80:
	case n == 0x81:
		if len(b) < 3 || b[2] < 0x80 { // < 0x80 must use the short form
			return nil, nil, false
		}
		n, hdr = int(b[2]), 3
	default: // indefinite or longer forms: not from an ECDSA signer
		return nil, nil, false
	}
	if len(b)-hdr < n {
		return nil, nil, false
	}
	return b[hdr : hdr+n], b[hdr+n:], true
}

// derUnsigned splits off a DER INTEGER that must be positive and fit in
// size bytes, returning its big-endian magnitude without the sign byte.
func derUnsigned(b []byte, size int) (mag, rest []byte, ok bool) {
	v, rest, ok := derElement(b, 0x02)
	if !ok || len(v) == 0 || v[0]&0x80 != 0 { // empty or negative
		return nil, nil, false
	}
	if v[0] == 0 {
		if len(v) == 1 || v[1]&0x80 == 0 { // zero, or a non-minimal leading 0x00
			return nil, nil, false
		}
		v = v[1:]
	}
	if len(v) > size {
		return nil, nil, false
	}
	return v, rest, true
}
