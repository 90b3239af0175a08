package oidc

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// TrustedIssuer is another issuer whose JWTs the instance accepts as
// jwt-bearer grants (RFC 7523 §2.1) and as token-exchange subject and actor
// tokens (RFC 8693): an external one with its public keys (jwks inline or
// jwks_file), or another authmock instance of this server by name.
type TrustedIssuer struct {
	// Issuer is the "iss" its tokens carry; for an instance, its issuer
	// URL is used.
	Issuer   string          `json:"issuer,omitempty"`
	JWKS     json.RawMessage `json:"jwks,omitempty"`
	JWKSFile string          `json:"jwks_file,omitempty"`
	// Instance names another provider instance of this server.
	Instance string `json:"instance,omitempty"`
}

// checkTrustedIssuers reports configuration problems with paths relative
// to the instance config.
func checkTrustedIssuers(ts []TrustedIssuer) fixtures.Problems {
	var ps fixtures.Problems
	for i, t := range ts {
		at := fixtures.Index("trusted_issuers", i)
		n := 0
		for _, set := range []bool{len(t.JWKS) > 0, t.JWKSFile != "", t.Instance != ""} {
			if set {
				n++
			}
		}
		switch {
		case n != 1:
			ps.Add(at, "give exactly one of jwks, jwks_file or instance")
		case t.Instance != "" && t.Issuer != "":
			ps.Add(at+".issuer", "an instance's issuer is its own URL; leave issuer out")
		case t.Instance == "" && t.Issuer == "":
			ps.Add(at+".issuer", "must not be empty")
		}
		if len(t.JWKS) > 0 {
			if _, err := oauth.ParseClientJWKS(t.JWKS); err != nil {
				ps.Add(at+".jwks", "%s", err.Error())
			}
		}
	}
	return ps
}

// trusted is a verified foreign JWT: its claims and who issued it.
type trusted struct {
	claims jwt.MapClaims
	issuer string
}

// errUntrusted is a token of an issuer the instance does not trust.
var errUntrusted = errors.New("the token's issuer is not trusted")

// verifyTrusted verifies a JWT signed by a trusted issuer: the key named
// by kid (or every key of the header's alg) verifies only its own
// algorithm; exp is required and judged, with nbf and iat, on authmock's
// clock. typ, when not empty, must match the header.
func (p *Provider) verifyTrusted(token, typ string) (trusted, error) {
	iss, err := peekIssuer(token)
	if err != nil {
		return trusted{}, err
	}
	keys, err := p.trustedKeys(iss)
	if err != nil {
		return trusted{}, err
	}
	set, err := verifySet(keys)
	if err != nil {
		return trusted{}, err
	}
	claims := jwt.MapClaims{}
	if _, err := set.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: iss, Type: typ, Leeway: assertionLeeway}); err != nil {
		return trusted{}, err
	}
	return trusted{claims: claims, issuer: iss}, nil
}

// trustedKeys returns the public keys of the trusted issuer iss.
func (p *Provider) trustedKeys(iss string) ([]*jwtutil.Key, error) {
	for _, t := range p.cfg.TrustedIssuers {
		if t.Instance != "" {
			if p.deps.Peer == nil {
				continue
			}
			if peerIss, keys, ok := p.deps.Peer(t.Instance); ok && peerIss == iss {
				return keys.Keys(), nil
			}
			continue
		}
		if t.Issuer != iss {
			continue
		}
		keys, err := p.keySets.load(t.JWKS, t.JWKSFile)
		if err != nil && t.JWKSFile != "" {
			return nil, fmt.Errorf("trusted issuer %q: %w", iss, err)
		}
		return keys, err
	}
	return nil, errUntrusted
}

// verifySet holds the verifying halves of keys, so jwtutil's pinned
// verification (kid, the key's own algorithm, no crit) judges the token.
// HMAC keys are left out: a trusted issuer's secret is never shared.
func verifySet(keys []*jwtutil.Key) (*verifyOnly, error) {
	var pub []*jwtutil.Key
	for _, k := range keys {
		if k.Public() != nil {
			pub = append(pub, k)
		}
	}
	if len(pub) == 0 {
		return nil, errors.New("the trusted issuer has no public keys")
	}
	return &verifyOnly{keys: pub}, nil
}

// verifyOnly verifies with public keys only (a jwtutil.KeySet needs a
// signing key).
type verifyOnly struct{ keys []*jwtutil.Key }

// Verify checks token against the key its kid names, or, without a kid,
// every key of its alg, with jwtutil.Verify's rules.
func (v *verifyOnly) Verify(token string, claims jwt.MapClaims, opts jwtutil.VerifyOptions) (*jwt.Token, error) {
	hdr, err := peekHeader(token)
	if err != nil {
		return nil, err
	}
	kid, hasKID := hdr["kid"].(string)
	alg, _ := hdr["alg"].(string)
	var lastErr error = jwtutil.ErrUnknownKey
	for _, k := range v.keys {
		if (hasKID && k.KID() != kid) || string(k.Alg()) != alg {
			continue
		}
		clear(claims)
		tok, err := jwt.NewParser(
			jwt.WithValidMethods([]string{string(k.Alg())}), jwt.WithTimeFunc(opts.Now), jwt.WithLeeway(opts.Leeway),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithIssuer(opts.Issuer),
		).ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return k.Public(), nil })
		if err == nil {
			if opts.Type != "" {
				if typ, _ := tok.Header["typ"].(string); !strings.EqualFold(strings.TrimPrefix(typ, "application/"), opts.Type) {
					return nil, fmt.Errorf("typ %q: %w", typ, jwtutil.ErrWrongType)
				}
			}
			return tok, nil
		}
		lastErr = err
		if !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return nil, err
		}
	}
	return nil, lastErr
}

// peekIssuer reads a JWT's iss before verification, to find its keys.
func peekIssuer(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: not a signed JWT", jwt.ErrTokenMalformed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: claims are not base64url", jwt.ErrTokenMalformed)
	}
	var c struct {
		Iss any `json:"iss"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", fmt.Errorf("%w: claims are not a JSON object", jwt.ErrTokenMalformed)
	}
	iss, ok := c.Iss.(string)
	if !ok || iss == "" {
		return "", fmt.Errorf("%w: no iss", jwt.ErrTokenMalformed)
	}
	return iss, nil
}

func peekHeader(token string) (map[string]any, error) {
	seg, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", jwt.ErrTokenMalformed)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil || h == nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", jwt.ErrTokenMalformed)
	}
	if _, crit := h["crit"]; crit {
		return nil, fmt.Errorf("%w: unsupported critical header extensions", jwt.ErrTokenUnverifiable)
	}
	return h, nil
}

// claimString reads a string claim ("" when absent or not a string).
func claimString(c jwt.MapClaims, name string) string {
	s, _ := c[name].(string)
	return s
}

// claimScopes reads a space-separated scope claim.
func claimScopes(c jwt.MapClaims) []string { return oauth.ParseScope(claimString(c, "scope")) }

// hasAudience reports whether the aud claim contains one of want.
func hasAudience(c jwt.MapClaims, want ...string) bool {
	aud, err := c.GetAudience()
	return err == nil && slices.ContainsFunc(aud, func(a string) bool { return slices.Contains(want, a) })
}
