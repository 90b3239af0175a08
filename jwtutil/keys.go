package jwtutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithm is a JWS "alg" value (RFC 7518 §3.1) that authmock signs with.
type Algorithm string

// The supported algorithms.
const (
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, RSA >= 2048 bits
	ES256 Algorithm = "ES256" // ECDSA P-256 with SHA-256
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037)
	HS256 Algorithm = "HS256" // HMAC SHA-256, secret >= 32 bytes
)

// Key-size limits. RFC 7518 §3.3 requires RSA keys of at least 2048 bits;
// the upper bound keeps verification cost sane for keys read from config.
const (
	minRSABits      = 2048
	maxRSABits      = 16384
	minHMACSecret   = 32 // RFC 7518 §3.2: at least the hash output size
	generateRSABits = 2048
)

// method returns the golang-jwt signing method for a, or nil.
func (a Algorithm) method() jwt.SigningMethod {
	switch a {
	case RS256:
		return jwt.SigningMethodRS256
	case ES256:
		return jwt.SigningMethodES256
	case EdDSA:
		return jwt.SigningMethodEdDSA
	case HS256:
		return jwt.SigningMethodHS256
	}
	return nil
}

// Key is one named signing or verification key. It is immutable once
// constructed and safe to share between goroutines.
//
// A Key holds either an asymmetric private key (it can sign and verify), an
// asymmetric public key only (it can only verify), or an HMAC secret (it
// signs and verifies, and is never published).
type Key struct {
	id     string            // kid: the configured one, else thumb
	alg    Algorithm         // the only algorithm this key is used with
	method jwt.SigningMethod // golang-jwt method for alg
	signer crypto.Signer     // *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey; nil if verify-only or HMAC
	secret []byte            // HS256 only; never exposed
	hmacs  *sync.Pool        // HS256 only: keyed HMAC states (rawsig.go)
	pub    crypto.PublicKey  // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey; nil for HMAC
	thumb  string            // RFC 7638 thumbprint, computed once
	hdrJWT string            // base64url of {"alg","kid","typ":"JWT"}, computed once
	hdrs   *sync.Map         // typ → encoded header, for SignWithType; new per kid
	ossl   *osslKey          // RS256 through OpenSSL (signer.go); nil means crypto/rsa
}

// GenerateKey returns a fresh random key for alg: RSA 2048 for RS256, P-256
// for ES256, Ed25519 for EdDSA and a 32-byte secret for HS256. Its kid is
// its thumbprint.
func GenerateKey(alg Algorithm) (*Key, error) {
	switch alg {
	case RS256:
		priv, err := rsa.GenerateKey(rand.Reader, generateRSABits)
		if err != nil {
			return nil, fmt.Errorf("jwtutil: generate RSA key: %w", err)
		}
		return newAsymmetricKey(alg, priv, &priv.PublicKey)
	case ES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwtutil: generate P-256 key: %w", err)
		}
		return newAsymmetricKey(alg, priv, &priv.PublicKey)
	case EdDSA:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwtutil: generate Ed25519 key: %w", err)
		}
		return newAsymmetricKey(alg, priv, pub)
	case HS256:
		secret := make([]byte, minHMACSecret)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("jwtutil: generate HMAC secret: %w", err)
		}
		return NewHMAC(secret)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
}

// NewHMAC returns an HS256 key for secret, which must be at least 32 bytes
// (RFC 7518 §3.2). The secret is copied. Its kid is its thumbprint.
//
// An HMAC key's thumbprint is a hash of the secret. Publishing it (as the kid
// of every token) gives an attacker nothing an HS256 token does not already
// give them: both allow an offline guess-and-check of the secret, which is
// why the secret must be long and random.
func NewHMAC(secret []byte) (*Key, error) {
	if len(secret) < minHMACSecret {
		return nil, fmt.Errorf("%w: HS256 secret is %d bytes, need at least %d (RFC 7518 §3.2)",
			ErrInvalidKey, len(secret), minHMACSecret)
	}
	k := &Key{
		alg:    HS256,
		method: HS256.method(),
		secret: append([]byte(nil), secret...),
	}
	k.hmacs = newHMACPool(k.secret)
	k.thumb = thumbprintOct(k.secret)
	k.setKID("")
	return k, nil
}

// newAsymmetricKey checks that pub suits alg (inferring alg when it is
// empty) and that signer, if any, is pub's private half. It returns
// ErrUnsupportedAlgorithm for a mismatch and ErrInvalidKey for unusable
// material.
func newAsymmetricKey(alg Algorithm, signer crypto.Signer, pub crypto.PublicKey) (*Key, error) {
	inferred, err := algForPublic(pub)
	if err != nil {
		return nil, err
	}
	if alg == "" {
		alg = inferred
	}
	if alg != inferred {
		return nil, fmt.Errorf("%w: %s cannot be used with %s key material", ErrUnsupportedAlgorithm, alg, inferred)
	}
	if signer != nil {
		eq, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !eq.Equal(pub) {
			return nil, fmt.Errorf("%w: private and public key do not match", ErrInvalidKey)
		}
	}
	thumb, err := thumbprintPublic(pub)
	if err != nil {
		return nil, err
	}
	k := &Key{
		alg:    alg,
		method: alg.method(),
		signer: signer,
		pub:    pub,
		thumb:  thumb,
	}
	if err := k.attachSigner(); err != nil {
		return nil, err
	}
	k.setKID("")
	return k, nil
}

// algForPublic names the algorithm a public key is used with, rejecting
// material authmock does not sign with (other curves, short RSA keys).
func algForPublic(pub crypto.PublicKey) (Algorithm, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return "", fmt.Errorf("%w: empty RSA key", ErrInvalidKey)
		}
		if bits := p.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return "", fmt.Errorf("%w: RSA key is %d bits, need %d to %d", ErrInvalidKey, bits, minRSABits, maxRSABits)
		}
		if p.E < 3 || p.E%2 == 0 || p.E > 1<<31-1 {
			return "", fmt.Errorf("%w: RSA public exponent %d", ErrInvalidKey, p.E)
		}
		return RS256, nil
	case *ecdsa.PublicKey:
		if p == nil || p.Curve == nil {
			return "", fmt.Errorf("%w: empty EC key", ErrInvalidKey)
		}
		if p.Curve != elliptic.P256() {
			return "", fmt.Errorf("%w: EC curve %s (only P-256/ES256 is supported)", ErrUnsupportedAlgorithm, p.Curve.Params().Name)
		}
		if _, err := p.Bytes(); err != nil {
			return "", fmt.Errorf("%w: EC point: %v", ErrInvalidKey, err)
		}
		return ES256, nil
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return "", fmt.Errorf("%w: Ed25519 public key is %d bytes", ErrInvalidKey, len(p))
		}
		return EdDSA, nil
	}
	return "", fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, pub)
}

// setKID sets the kid ("" means the thumbprint) and the header derived
// from it. Only constructors and WithKID call it, before the Key is shared.
func (k *Key) setKID(kid string) {
	k.id = strings.ToValidUTF8(kid, "\uFFFD") // what JSON encoding would make of it
	if k.id == "" {
		k.id = k.thumb
	}
	k.hdrJWT = encodeHeader(k.alg, k.id, "JWT")
	k.hdrs = &sync.Map{}
}

// header returns the encoded header for typ, encoding it once per typ
// (typ values come from code, a handful per process, so the cache stays
// small).
func (k *Key) header(typ string) string {
	if typ == "JWT" {
		return k.hdrJWT
	}
	if h, ok := k.hdrs.Load(typ); ok {
		return h.(string)
	}
	h := encodeHeader(k.alg, k.id, typ)
	k.hdrs.Store(typ, h)
	return h
}

// KID returns the key id: the one configured (ParseJWK "kid", WithKID), else
// the RFC 7638 thumbprint.
func (k *Key) KID() string { return k.id }

// WithKID returns a copy of k named kid. An empty kid reverts to the
// thumbprint.
func (k *Key) WithKID(kid string) *Key {
	c := *k
	c.setKID(kid)
	return &c
}

// Alg returns the only algorithm this key signs and verifies with.
func (k *Key) Alg() Algorithm { return k.alg }

// Public returns the public key (*rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey), or nil for an HMAC key. Callers must not modify it.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// CanSign reports whether k holds private material (a private key or an
// HMAC secret).
func (k *Key) CanSign() bool { return k.signer != nil || k.secret != nil }

// signingKey is what golang-jwt's SigningMethod.Sign wants for k.
func (k *Key) signingKey() any {
	if k.secret != nil {
		return k.secret
	}
	return k.signer
}

// verifyKey is what golang-jwt's SigningMethod.Verify wants for k.
func (k *Key) verifyKey() any {
	if k.secret != nil {
		return k.secret
	}
	return k.pub
}

// MarshalPrivatePEM encodes the private key as a PKCS#8 "PRIVATE KEY" PEM
// block. It fails for HMAC and verify-only keys.
func (k *Key) MarshalPrivatePEM() ([]byte, error) {
	if k.secret != nil {
		return nil, fmt.Errorf("%w: HMAC secrets have no PEM form", ErrInvalidKey)
	}
	if k.signer == nil {
		return nil, fmt.Errorf("%w: key %s is verify-only", ErrInvalidKey, k.id)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.signer)
	if err != nil {
		return nil, fmt.Errorf("jwtutil: marshal PKCS#8: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// LogValue implements slog.LogValuer. It shows the kid and alg only, never
// key material.
func (k *Key) LogValue() slog.Value {
	if k == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("kid", k.id), slog.String("alg", string(k.alg)))
}

// String describes k by kid and alg only.
func (k *Key) String() string {
	if k == nil {
		return "jwtutil.Key(nil)"
	}
	return fmt.Sprintf("jwtutil.Key(kid=%q, alg=%s)", k.id, k.alg)
}

// Format implements fmt.Formatter so that printing a *Key with any verb
// (%v, %+v, %#v, %d, %x, ...) shows String and never the key material that
// fmt would otherwise dump from the struct fields.
func (k *Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }
