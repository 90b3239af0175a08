package jwtutil

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// Sign signs claims with the active key. The header is
// {"alg":<key alg>,"kid":<key kid>,"typ":"JWT"}.
func (s *KeySet) Sign(claims jwt.Claims) (string, error) {
	k := s.Active()
	return k.sign(k.hdrJWT, claims)
}

// SignWithType is Sign with another "typ" header, such as "at+jwt" for RFC
// 9068 access tokens. An empty typ leaves the typ header out.
func (s *KeySet) SignWithType(typ string, claims jwt.Claims) (string, error) {
	k := s.Active()
	return k.sign(k.header(typ), claims)
}

// payloadBufs holds the buffers ClaimsAppender claims are written into;
// one larger than maxPooledPayload (a token with big extra claims) is left
// to the collector rather than kept.
var payloadBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledPayload = 16 << 10

// ClaimsAppender is implemented by claims that write their own JSON, the
// bytes encoding/json would write for them, without its reflection and
// per-member allocations: the claims of a token issued on every request.
type ClaimsAppender interface {
	AppendClaimsJSON(dst []byte) ([]byte, error)
}

// sign builds header.payload.signature by hand around a pre-encoded header,
// which is what golang-jwt's Token.SignedString does minus re-marshalling
// the header map on every call.
func (k *Key) sign(hdr string, claims jwt.Claims) (string, error) {
	if claims == nil {
		return "", errors.New("jwtutil: sign: nil claims")
	}
	var payload []byte
	var err error
	if a, ok := claims.(ClaimsAppender); ok {
		// The JSON is only read here, into the token's base64: its buffer
		// goes back to the pool.
		bp := payloadBufs.Get().(*[]byte)
		payload, err = a.AppendClaimsJSON((*bp)[:0])
		defer func() {
			if cap(payload) <= maxPooledPayload {
				*bp = payload[:0]
				payloadBufs.Put(bp)
			}
		}()
	} else {
		payload, err = json.Marshal(claims)
	}
	if err != nil {
		return "", fmt.Errorf("jwtutil: sign: encode claims: %w", err)
	}
	buf := make([]byte, 0, len(hdr)+1+b64.EncodedLen(len(payload))+1+b64.EncodedLen(k.sigSize()))
	buf = append(buf, hdr...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	sig, err := k.signature(buf)
	if err != nil {
		return "", fmt.Errorf("jwtutil: sign with %s: %w", k.id, err)
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), nil
}

// sigSize is the signature length for k, to size the token buffer once.
func (k *Key) sigSize() int {
	switch k.alg {
	case RS256:
		return k.pub.(*rsa.PublicKey).Size()
	case HS256:
		return 32
	}
	return 64 // ES256 (r || s) and Ed25519
}

// encodeHeader returns the base64url JOSE header segment. Members are in
// the order golang-jwt would write them.
func encodeHeader(alg Algorithm, kid, typ string) string {
	h := struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ,omitempty"`
	}{string(alg), kid, typ}
	b, _ := json.Marshal(h) // strings only: cannot fail
	return b64.EncodeToString(b)
}
