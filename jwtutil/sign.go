package jwtutil

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// signBufs holds the buffers sign writes ClaimsAppender claims and tokens
// into (the token is copied out as a string, so its buffer is free after
// the call). One larger than maxPooledBuf (a token with big extra claims)
// is left to the collector rather than kept.
var signBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

const maxPooledBuf = 16 << 10

func putSignBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledBuf {
		*bp = b[:0]
		signBufs.Put(bp)
	}
}

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
		bp := signBufs.Get().(*[]byte)
		payload, err = a.AppendClaimsJSON((*bp)[:0])
		defer func() { putSignBuf(bp, payload) }()
	} else {
		payload, err = json.Marshal(claims)
	}
	if err != nil {
		return "", fmt.Errorf("jwtutil: sign: encode claims: %w", err)
	}
	sigLen := k.sigSize()
	encLen := b64.EncodedLen(sigLen)
	tp := signBufs.Get().(*[]byte)
	// The raw signature is appended past the end of the token, then
	// base64-encoded into its place: no separate signature slice, and the
	// two regions never overlap.
	buf := slices.Grow((*tp)[:0], len(hdr)+1+b64.EncodedLen(len(payload))+1+encLen+sigLen)
	buf = append(buf, hdr...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	n := len(buf)         // signing input: buf[:n]
	end := n + 1 + encLen // the token: buf[:end]; the raw signature follows
	buf, err = k.appendSignature(buf[:end], buf[:n])
	if err == nil && len(buf)-end != sigLen {
		err = fmt.Errorf("signature is %d bytes, want %d", len(buf)-end, sigLen)
	}
	if err != nil {
		putSignBuf(tp, (*tp)[:0])
		return "", fmt.Errorf("jwtutil: sign with %s: %w", k.id, err)
	}
	buf[n] = '.'
	b64.Encode(buf[n+1:end], buf[end:])
	tok := string(buf[:end])
	putSignBuf(tp, buf)
	return tok, nil
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
