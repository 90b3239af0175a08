package trackmania

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// A Trackmania access token's jti is 80 lowercase hex characters, as
// league/oauth2-server makes its token identifiers (40 random bytes in
// hex). authmock's are laid out so that the token names its own lifecycle
// stamp and grant without a claim league does not write:
//
//	[0, 32)  the lifecycle's jti (sequence, expiry, user/client tag)
//	[32, 64) the grant's family id (32 random hex characters), or random
//	         characters when the token has no grant (client credentials)
//	[64, 80) a check: the first 16 hex characters of the SHA-256 of the
//	         instance's name and the first 64 characters
//
// Every part is random-looking hex, so a client sees league's shape. The
// check tells this instance's tokens from another instance's signed with
// the same key (league's tokens carry no iss to tell them apart); it names
// the instance, not its key, so a key rotation keeps old tokens valid.
const (
	jtiLen      = 80
	lifeJTILen  = 32
	familyIDLen = 32
	checkLen    = 16
)

// newTokenJTI makes the 80-character jti of an access token from the
// lifecycle's jti and the grant's family (may be empty).
func (p *Provider) newTokenJTI(life, family string) (string, error) {
	if len(family) != familyIDLen || !isLowerHex(family) {
		random, err := p.deps.RandomHex(familyIDLen / 2)
		if err != nil {
			return "", err
		}
		family = random
	}
	head := life + family
	return head + p.jtiCheck(head), nil
}

// jtiCheck is the last 16 characters of a jti of this instance whose
// first 64 are head.
func (p *Provider) jtiCheck(head string) string {
	sum := sha256.Sum256([]byte("trackmania jti\x00" + p.deps.Name + "\x00" + head))
	return hex.EncodeToString(sum[:checkLen/2])
}

// ownJTI reports whether jti is one this instance made.
func (p *Provider) ownJTI(jti string) bool {
	if len(jti) != jtiLen || !isLowerHex(jti) {
		return false
	}
	head := jti[:jtiLen-checkLen]
	return subtle.ConstantTimeCompare([]byte(jti[jtiLen-checkLen:]), []byte(p.jtiCheck(head))) == 1
}

// splitJTI reads a token's jti: the lifecycle's part and, when withFamily
// (a user's token, which always has a grant), the family id. ok is false
// for anything that is not 80 lowercase hex characters.
func splitJTI(jti string, withFamily bool) (life, family string, ok bool) {
	if len(jti) != jtiLen || !isLowerHex(jti) {
		return "", "", false
	}
	life = jti[:lifeJTILen]
	if withFamily {
		family = jti[lifeJTILen : lifeJTILen+familyIDLen]
	}
	return life, family, true
}

// lifeJTI is the lifecycle's part of a jti the admin API was given: the
// token's 80-character jti, or the 32-character stamp itself. Anything
// else is returned as is, for the lifecycle to refuse.
func lifeJTI(jti string) string {
	if life, _, ok := splitJTI(jti, false); ok {
		return life
	}
	return jti
}

func isLowerHex(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') }) < 0
}
