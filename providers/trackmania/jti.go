package trackmania

import (
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
//	[64, 80) random
//
// Every part is random-looking hex, so a client sees league's shape.
const (
	jtiLen       = 80
	lifeJTILen   = 32
	familyIDLen  = 32
	randomSuffix = jtiLen - lifeJTILen // 48 characters after the stamp
)

// newTokenJTI makes the 80-character jti of an access token from the
// lifecycle's jti, the grant's family (may be empty) and random hex.
func (p *Provider) newTokenJTI(life, family string) (string, error) {
	n := randomSuffix
	if len(family) == familyIDLen && isLowerHex(family) {
		n -= familyIDLen
	} else {
		family = ""
	}
	random, err := p.deps.RandomHex(n / 2)
	if err != nil {
		return "", err
	}
	return life + family + random, nil
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
