package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// ClientAssertionTypeJWT is the client_assertion_type of RFC 7523 §2.2.
const ClientAssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// JWT client authentication methods (RFC 7523 §2.2, OIDC Core §9).
const (
	AuthClientSecretJWT AuthMethod = "client_secret_jwt"
	AuthPrivateKeyJWT   AuthMethod = "private_key_jwt"
)

// AssertionSigningAlgs are the algorithms a client assertion may be signed
// with: HMAC with the client secret (client_secret_jwt), or one of the key
// types a client's JWKS may hold (private_key_jwt). Each key is pinned to
// its own algorithm.
var AssertionSigningAlgs = []string{"HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"}

// maxAssertionBytes bounds what is decoded before the signature is checked.
const maxAssertionBytes = 16 << 10

// AssertionPolicy is what a client registry supplies to accept RFC 7523
// client assertions. A ClientSource offers one by implementing
// AssertionSource; without it assertions are refused.
type AssertionPolicy struct {
	// Audiences are the accepted "aud" values: the token endpoint URL and
	// the issuer (RFC 7523 §3 item 3).
	Audiences []string
	// Now is authmock's clock; exp, nbf and iat are judged by it.
	Now func() time.Time
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// MaxLifetime refuses an assertion whose exp is further away than this
	// (RFC 7523 §3 item 4 lets the server), which bounds how long its jti
	// must be remembered.
	MaxLifetime time.Duration
	// Replay remembers used jti values until their assertion expires.
	Replay ReplayGuard
	// PublicKeys returns the client's registered public keys.
	PublicKeys func(ctx context.Context, c fixtures.Client) ([]*jwtutil.Key, error)
}

// AssertionSource is a ClientSource that accepts client assertions.
type AssertionSource interface {
	ClientSource
	ClientAssertions() *AssertionPolicy
}

// ReplayGuard records one-time values (a jti) until they expire.
type ReplayGuard interface {
	// Claim records key until until, or returns ErrReplayed when it is
	// already recorded.
	Claim(ctx context.Context, key string, until time.Time) error
}

// ErrReplayed is a one-time value presented a second time.
var ErrReplayed = errors.New("oauth: value already used")

// StoreReplay is a ReplayGuard over an instance's store records, so the
// memory is bounded by the store (its entry cap, its sweep of expired
// records) and shared by replicas on one Redis. Expiry is the store's,
// on authmock's clock.
type StoreReplay struct {
	Records store.Records
	// Prefix namespaces the keys ("client_assertion_jti/").
	Prefix string
}

// Claim implements ReplayGuard in one atomic store call.
func (g StoreReplay) Claim(ctx context.Context, key string, until time.Time) error {
	err := store.ClaimOnce(ctx, g.Records, g.Prefix+key, until)
	if errors.Is(err, store.ErrClaimed) {
		return ErrReplayed
	}
	return err
}

// assertionPeek is what a client assertion says before it is verified:
// enough to find the client and the key.
type assertionPeek struct {
	Alg, KID string
	HasKID   bool
	Issuer   string
	Subject  string
}

// peekAssertion decodes a compact JWS's header and payload without
// verifying anything. It refuses what no verification could accept: not
// three segments, bad base64url, non-object JSON, no alg, "none", crit.
func peekAssertion(token string) (assertionPeek, error) {
	var out assertionPeek
	if len(token) > maxAssertionBytes {
		return out, errors.New("the client assertion is too large")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return out, errors.New("the client assertion is not a signed JWT (compact JWS, three segments)")
	}
	var hdr map[string]any
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return out, fmt.Errorf("the client assertion's header: %w", err)
	}
	alg, _ := hdr["alg"].(string)
	switch {
	case alg == "":
		return out, errors.New("the client assertion's header has no alg")
	case strings.EqualFold(alg, "none"):
		return out, errors.New("the client assertion must be signed (alg none is refused)")
	}
	if _, crit := hdr["crit"]; crit {
		return out, errors.New("the client assertion has critical header extensions, which are not understood")
	}
	out.Alg = alg
	if v, has := hdr["kid"]; has {
		kid, ok := v.(string)
		if !ok {
			return out, errors.New("the client assertion's kid is not a string")
		}
		out.KID, out.HasKID = kid, true
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return out, fmt.Errorf("the client assertion's claims: %w", err)
	}
	out.Issuer, _ = claims["iss"].(string)
	out.Subject, _ = claims["sub"].(string)
	return out, nil
}

func decodeSegment(seg string, into *map[string]any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(raw, into); err != nil || *into == nil {
		return errors.New("not a JSON object")
	}
	return nil
}

// extractAssertion reads RFC 7521 §4.2 client authentication: the client
// is the assertion's sub (RFC 7523 §3 item 2); a client_id, optional, must
// name the same client.
func extractAssertion(hasBasic bool, form url.Values) (Credentials, error) {
	_, hasSecret := form["client_secret"]
	if hasBasic || hasSecret {
		return Credentials{}, InvalidRequest("the client authenticated with more than one method (a client assertion and a secret)")
	}
	typ, assertion := form.Get("client_assertion_type"), form.Get("client_assertion")
	switch {
	case typ == "":
		return Credentials{}, InvalidRequest("client_assertion_type is required with client_assertion")
	case assertion == "":
		return Credentials{}, InvalidRequest("client_assertion is required with client_assertion_type")
	case typ != ClientAssertionTypeJWT:
		return Credentials{}, InvalidClient("client_assertion_type %q is not supported (want %s)", clipParam(typ), ClientAssertionTypeJWT)
	}
	peek, err := peekAssertion(assertion)
	if err != nil {
		return Credentials{}, InvalidClient("%s", err.Error())
	}
	if peek.Subject == "" {
		return Credentials{}, InvalidClient("the client assertion has no sub (it must be the client_id)")
	}
	if id := form.Get("client_id"); id != "" && id != peek.Subject {
		return Credentials{}, InvalidClient("client_id does not match the client assertion's sub")
	}
	return Credentials{ID: peek.Subject, Assertion: assertion, Method: assertionMethod(peek.Alg)}, nil
}

// assertionMethod tells the two RFC 7523 methods apart by the algorithm:
// HMAC means the client secret signed it.
func assertionMethod(alg string) AuthMethod {
	if strings.HasPrefix(alg, "HS") {
		return AuthClientSecretJWT
	}
	return AuthPrivateKeyJWT
}

// authenticateAssertion verifies a client assertion for client, and then
// (only then, so a refused assertion burns nothing) records its jti.
func authenticateAssertion(ctx context.Context, clients ClientSource, client fixtures.Client, creds Credentials) (AuthenticatedClient, error) {
	src, ok := clients.(AssertionSource)
	if !ok {
		return AuthenticatedClient{}, InvalidClient("client assertions are not accepted here")
	}
	pol := src.ClientAssertions()
	if pol == nil {
		return AuthenticatedClient{}, InvalidClient("client assertions are not accepted here")
	}
	if !MethodAllowed(client, creds.Method) {
		return AuthenticatedClient{}, InvalidClient("the client may not authenticate with %s", creds.Method)
	}
	claims, err := VerifyClientAssertion(ctx, pol, client, creds.Assertion)
	if err != nil {
		return AuthenticatedClient{}, err
	}
	until := claims.ExpiresAt.Add(pol.Leeway)
	switch err := pol.Replay.Claim(ctx, client.ID+"\x00"+claims.ID, until); {
	case errors.Is(err, ErrReplayed):
		return AuthenticatedClient{}, InvalidClient("the client assertion's jti has already been used")
	case err != nil:
		return AuthenticatedClient{}, err
	}
	return AuthenticatedClient{Client: client, Method: creds.Method}, nil
}

// VerifyClientAssertion checks an assertion's signature and its claims
// (RFC 7523 §3) for client, without recording its jti. Every failure is
// invalid_client (RFC 7521 §4.2.1).
func VerifyClientAssertion(ctx context.Context, pol *AssertionPolicy, client fixtures.Client, assertion string) (*jwt.RegisteredClaims, error) {
	peek, err := peekAssertion(assertion)
	if err != nil {
		return nil, InvalidClient("%s", err.Error())
	}
	keys, err := assertionKeys(ctx, pol, client, peek)
	if err != nil {
		return nil, err
	}
	claims := &jwt.RegisteredClaims{}
	var verr error
	for _, k := range keys {
		claims = &jwt.RegisteredClaims{}
		_, verr = jwt.NewParser(jwt.WithValidMethods([]string{k.alg}), jwt.WithoutClaimsValidation()).
			ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) { return k.key, nil })
		if verr == nil {
			break
		}
	}
	if verr != nil {
		if errors.Is(verr, jwt.ErrTokenMalformed) {
			return nil, InvalidClient("the client assertion is malformed").WithCause(verr)
		}
		return nil, InvalidClient("the client assertion's signature does not verify with the client's %s", keyWord(assertionMethod(peek.Alg))).WithCause(verr)
	}
	if err := checkAssertionClaims(pol, client.ID, claims); err != nil {
		return nil, err
	}
	return claims, nil
}

func keyWord(m AuthMethod) string {
	if m == AuthClientSecretJWT {
		return "secret"
	}
	return "keys"
}

// verifyKey is one candidate key with the one algorithm it may verify.
type verifyKey struct {
	alg string
	key any
}

// assertionKeys returns the keys that may verify the assertion, each
// pinned to its own algorithm: the secret for HS256/384/512, never a
// public key for HMAC (algorithm confusion), never "none".
func assertionKeys(ctx context.Context, pol *AssertionPolicy, client fixtures.Client, peek assertionPeek) ([]verifyKey, error) {
	if assertionMethod(peek.Alg) == AuthClientSecretJWT {
		if !slices.Contains([]string{"HS256", "HS384", "HS512"}, peek.Alg) {
			return nil, InvalidClient("the client assertion's alg %q is not supported (HS256, HS384, HS512)", clipParam(peek.Alg))
		}
		if client.Public || client.Secret == "" {
			return nil, InvalidClient("the client has no secret to sign a client_secret_jwt assertion with")
		}
		return []verifyKey{{alg: peek.Alg, key: []byte(client.Secret)}}, nil
	}
	if pol.PublicKeys == nil {
		return nil, InvalidClient("the client has no registered keys (jwks or jwks_file)")
	}
	all, err := pol.PublicKeys(ctx, client)
	if err != nil {
		return nil, InvalidClient("the client's registered keys cannot be read").WithCause(err)
	}
	if len(all) == 0 {
		return nil, InvalidClient("the client has no registered keys (jwks or jwks_file)")
	}
	var out []verifyKey
	for _, k := range all {
		if k.Public() == nil || string(k.Alg()) != peek.Alg {
			continue
		}
		if peek.HasKID && k.KID() != peek.KID {
			continue
		}
		out = append(out, verifyKey{alg: string(k.Alg()), key: k.Public()})
	}
	if len(out) == 0 {
		if peek.HasKID {
			return nil, InvalidClient("no registered key of the client has kid %q and alg %q", clipParam(peek.KID), clipParam(peek.Alg))
		}
		return nil, InvalidClient("no registered key of the client verifies alg %q", clipParam(peek.Alg))
	}
	return out, nil
}

// checkAssertionClaims applies RFC 7523 §3 to verified claims, in the
// RFC's order.
func checkAssertionClaims(pol *AssertionPolicy, clientID string, c *jwt.RegisteredClaims) error {
	now := pol.Now()
	switch {
	case c.Issuer != clientID:
		return InvalidClient("the client assertion's iss must be the client_id")
	case c.Subject != clientID:
		return InvalidClient("the client assertion's sub must be the client_id")
	case !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(pol.Audiences, a) }):
		return InvalidClient("the client assertion's aud must contain one of %s", strings.Join(pol.Audiences, ", "))
	case c.ExpiresAt == nil:
		return InvalidClient("the client assertion has no exp")
	case !now.Before(c.ExpiresAt.Add(pol.Leeway)):
		return InvalidClient("the client assertion has expired")
	case pol.MaxLifetime > 0 && c.ExpiresAt.Sub(now) > pol.MaxLifetime:
		return InvalidClient("the client assertion's exp is more than %s away", pol.MaxLifetime)
	case c.NotBefore != nil && now.Add(pol.Leeway).Before(c.NotBefore.Time):
		return InvalidClient("the client assertion is not valid yet (nbf)")
	case c.IssuedAt != nil && now.Add(pol.Leeway).Before(c.IssuedAt.Time):
		return InvalidClient("the client assertion was issued in the future (iat)")
	case c.ID == "":
		return InvalidClient("the client assertion has no jti")
	}
	return nil
}

// MethodAllowed reports whether client may authenticate with m: its pinned
// token_endpoint_auth_method if it has one, else any method its
// credentials support (a secret: basic, post and client_secret_jwt; keys:
// private_key_jwt; public: none).
func MethodAllowed(c fixtures.Client, m AuthMethod) bool {
	if c.Public != (m == AuthNone) {
		return false // a public client has nothing to prove itself with
	}
	if c.TokenEndpointAuthMethod != "" {
		return AuthMethod(c.TokenEndpointAuthMethod) == m
	}
	switch m {
	case AuthNone:
		return c.Public
	case AuthClientSecretBasic, AuthClientSecretPost, AuthClientSecretJWT:
		return !c.Public && c.Secret != ""
	case AuthPrivateKeyJWT:
		return len(c.JWKS) > 0 || c.JWKSFile != ""
	}
	return false
}

// clipParam shortens a request value before it goes into a description.
func clipParam(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
