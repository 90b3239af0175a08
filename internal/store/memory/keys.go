package memory

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// hashKey is what a namespace keeps instead of a refresh token's text: the
// first 128 bits of SHA-256 over a per-namespace random salt and the token.
// It is a fixed 16 bytes whatever the token's length, and the token itself
// is not kept. Finding a second token with the same key is a preimage
// search on a salted cryptographic hash (2^128 work, and the salt is never
// shown), so a presented token matches only its own entry.
type hashKey [16]byte

// salt is a namespace's secret hash salt.
type salt [32]byte

func newSalt() salt {
	var s salt
	_, _ = rand.Read(s[:]) // crypto/rand.Read never fails (Go 1.24+)
	return s
}

// Domains keep the hashes of tokens and of family ids apart.
const (
	domainToken  = 't'
	domainFamily = 'f'
)

func (s *salt) hash(domain byte, text string) hashKey {
	var buf [128]byte
	b := append(append(append(buf[:0], s[:]...), domain), text...)
	sum := sha256.Sum256(b)
	return hashKey(sum[:16])
}

func (s *salt) tokenKey(token string) hashKey { return s.hash(domainToken, token) }

// familyKey keys a family. The ids authmock makes (provider.Deps.RandomHex
// (16): 32 lowercase hex digits) are their own 16-byte key, so the text
// need not be kept (named is false); any other id is hashed like a token
// and its text kept beside the family.
func (s *salt) familyKey(id string) (k hashKey, named bool) {
	if len(id) == 2*len(k) && isLowerHex(id) {
		_, _ = hex.Decode(k[:], []byte(id))
		return k, false
	}
	return s.hash(domainFamily, id), true
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
