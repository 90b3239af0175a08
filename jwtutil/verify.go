package jwtutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyOptions says what a verified token must satisfy besides its
// signature.
type VerifyOptions struct {
	// Now is the clock exp, nbf and iat are judged by; nil means time.Now.
	Now func() time.Time
	// Issuer, when non-empty, must equal the iss claim.
	Issuer string
	// Audience, when non-empty, must share at least one value with the aud
	// claim.
	Audience []string
	// Leeway is the clock skew allowed for exp, nbf and iat.
	Leeway time.Duration
	// AllowMissingExp accepts a token without exp. By default exp is
	// required.
	AllowMissingExp bool
	// Type, when non-empty, must match the "typ" header (RFC 8725 §3.11),
	// e.g. "at+jwt" for RFC 9068 access tokens, so that one kind of token
	// cannot be passed off as another. The comparison ignores case and an
	// "application/" prefix (RFC 7515 §4.1.9).
	Type string
}

// Verify checks token's signature and claims and decodes the claims into
// claims (nil means a fresh jwt.MapClaims). On failure it returns a nil
// token and an error that wraps golang-jwt's sentinels (jwt.ErrTokenExpired,
// jwt.ErrTokenSignatureInvalid, ...) or ErrUnknownKey.
//
// The key is the one the header "kid" names; a token without a kid is
// accepted only by a set holding exactly one key. The accepted algorithm is
// pinned to that key's own algorithm, so "none" and algorithm confusion
// (HS256 keyed with an RSA public key, say) cannot verify. Headers are never
// used to fetch or embed keys (jku, jwk, x5u, x5c are ignored), and a
// token with a "crit" header is rejected since no extension is understood.
func (s *KeySet) Verify(token string, claims jwt.Claims, opts VerifyOptions) (*jwt.Token, error) {
	kid, hasKID, err := peekKID(token)
	if err != nil {
		return nil, fmt.Errorf("jwtutil: verify: %w", err)
	}
	key, ok := s.lookup(kid, hasKID)
	if !ok {
		if !hasKID {
			return nil, fmt.Errorf("jwtutil: verify: token has no kid and the set holds several keys: %w: %w",
				ErrUnknownKey, jwt.ErrTokenUnverifiable)
		}
		return nil, fmt.Errorf("jwtutil: verify: kid %q: %w: %w", clip(kid), ErrUnknownKey, jwt.ErrTokenUnverifiable)
	}

	now := opts.Now
	if now == nil {
		now = time.Now
	}
	popts := make([]jwt.ParserOption, 0, 7)
	popts = append(popts,
		jwt.WithValidMethods([]string{string(key.alg)}),
		jwt.WithTimeFunc(now),
		jwt.WithLeeway(opts.Leeway),
		jwt.WithIssuedAt(),
	)
	if !opts.AllowMissingExp {
		popts = append(popts, jwt.WithExpirationRequired())
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if len(opts.Audience) > 0 {
		// golang-jwt v5.3: WithAudience is any-of; WithAllAudiences is all-of.
		popts = append(popts, jwt.WithAudience(opts.Audience...))
	}
	if claims == nil {
		claims = jwt.MapClaims{}
	}

	tok, err := jwt.NewParser(popts...).ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		// Belt and braces: WithValidMethods already pinned the method, and
		// the parser must have read the same kid as peekKID.
		if t.Method == nil || t.Method.Alg() != string(key.alg) {
			return nil, fmt.Errorf("%w: alg does not match key %s", jwt.ErrTokenSignatureInvalid, key.id)
		}
		got, has := t.Header["kid"].(string)
		if has != hasKID || got != kid {
			return nil, fmt.Errorf("%w: kid changed between reads", jwt.ErrTokenMalformed)
		}
		return key.verifyKey(), nil
	})
	if err != nil {
		// The signature held but some claim did not. Who issued the token,
		// for whom, and what kind it is are judged before its times, so
		// that another issuer's (or another kind of) expired token is
		// reported as the wrong token, never as merely expired.
		if tok != nil && errors.Is(err, jwt.ErrTokenInvalidClaims) {
			if idErr := identity(tok, claims, opts); idErr != nil {
				return nil, fmt.Errorf("jwtutil: verify: %w", idErr)
			}
		}
		return nil, fmt.Errorf("jwtutil: verify: %w", err)
	}
	if idErr := identity(tok, claims, opts); idErr != nil {
		return nil, fmt.Errorf("jwtutil: verify: %w", idErr)
	}
	return tok, nil
}

// identity checks the token's typ, iss and aud against opts. The error it
// returns wraps jwt.ErrTokenInvalidClaims and the specific sentinel
// (ErrWrongType, jwt.ErrTokenInvalidIssuer, jwt.ErrTokenInvalidAudience),
// and never a time sentinel.
func identity(tok *jwt.Token, claims jwt.Claims, opts VerifyOptions) error {
	if opts.Type != "" {
		typ, _ := tok.Header["typ"].(string)
		if !sameType(typ, opts.Type) {
			return fmt.Errorf("typ %q, want %q: %w: %w", clip(typ), opts.Type, ErrWrongType, jwt.ErrTokenInvalidClaims)
		}
	}
	if opts.Issuer != "" {
		iss, err := claims.GetIssuer()
		if err == nil && iss == "" {
			return fmt.Errorf("%w: %w: iss", jwt.ErrTokenInvalidClaims, jwt.ErrTokenRequiredClaimMissing)
		}
		if err != nil || iss != opts.Issuer {
			return fmt.Errorf("%w: %w: iss %q, want %q", jwt.ErrTokenInvalidClaims, jwt.ErrTokenInvalidIssuer, clip(iss), opts.Issuer)
		}
	}
	if len(opts.Audience) > 0 {
		aud, err := claims.GetAudience()
		if err == nil && len(aud) == 0 {
			return fmt.Errorf("%w: %w: aud", jwt.ErrTokenInvalidClaims, jwt.ErrTokenRequiredClaimMissing)
		}
		if err != nil || !slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(opts.Audience, a) }) {
			return fmt.Errorf("%w: %w: aud is not %q", jwt.ErrTokenInvalidClaims, jwt.ErrTokenInvalidAudience, opts.Audience)
		}
	}
	return nil
}

// peekKID reads the kid from the token header before verification, so the
// parser can be pinned to that key's algorithm. It decodes the header the
// way golang-jwt does (base64url without padding, JSON into a map), and the
// keyfunc re-checks that both agree.
func peekKID(token string) (kid string, has bool, err error) {
	seg, _, ok := strings.Cut(token, ".")
	if !ok {
		return "", false, fmt.Errorf("%w: token has no header segment", jwt.ErrTokenMalformed)
	}
	raw, err := b64.DecodeString(seg)
	if err != nil {
		return "", false, fmt.Errorf("%w: header: %v", jwt.ErrTokenMalformed, err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil || h == nil {
		return "", false, fmt.Errorf("%w: header is not a JSON object", jwt.ErrTokenMalformed)
	}
	if _, crit := h["crit"]; crit {
		return "", false, fmt.Errorf("%w: unsupported critical header extensions", jwt.ErrTokenUnverifiable)
	}
	v, has := h["kid"]
	if !has {
		return "", false, nil
	}
	kid, ok = v.(string)
	if !ok {
		return "", false, fmt.Errorf("%w: kid is not a string", jwt.ErrTokenMalformed)
	}
	return kid, true, nil
}

// sameType compares typ header values per RFC 7515 §4.1.9.
func sameType(got, want string) bool {
	const prefix = "application/"
	trim := func(s string) string {
		if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			return s[len(prefix):]
		}
		return s
	}
	return strings.EqualFold(trim(got), trim(want))
}

// clip shortens attacker-controlled strings before they go into errors
// (and so into logs).
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
