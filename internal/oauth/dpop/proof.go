package dpop

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Type is the "typ" header of a DPoP proof (RFC 9449 §4.2).
const Type = "dpop+jwt"

// Algorithms is every algorithm authmock can check a proof with: the
// asymmetric JWS algorithms of RFC 7518 §3.1 and RFC 8037. "none" and the
// HMAC ones are never accepted (RFC 9449 §4.2: the key must be asymmetric).
var Algorithms = []string{"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"}

// Limits on what a proof may carry; a real proof is well inside them.
const (
	maxProofLen = 8 << 10
	maxJTILen   = 512
)

// Proof is a parsed DPoP proof whose signature checked out with the key in
// its own header.
type Proof struct {
	Alg string
	// JKT is the RFC 7638 thumbprint of the proof's key: what a token bound
	// to it carries as cnf.jkt (RFC 9449 §6.1).
	JKT   string
	JTI   string
	HTM   string
	HTU   string
	IAT   time.Time
	ATH   string // present when an access token goes with the proof
	Nonce string
}

// proofClaims are the claims of RFC 9449 §4.2. iat is decoded as a
// json.Number so that a string or an absurd value is refused, not coerced.
type proofClaims struct {
	JTI   *string      `json:"jti"`
	HTM   *string      `json:"htm"`
	HTU   *string      `json:"htu"`
	IAT   *json.Number `json:"iat"`
	ATH   *string      `json:"ath"`
	Nonce *string      `json:"nonce"`
}

// The jwt.Claims methods: time claims are judged by the Verifier on
// authmock's clock, never by golang-jwt on the wall clock.
func (proofClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (proofClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (proofClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (proofClaims) GetIssuer() (string, error)                   { return "", nil }
func (proofClaims) GetSubject() (string, error)                  { return "", nil }
func (proofClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// proofHeader is the JOSE header of a proof.
type proofHeader struct {
	Typ  *string         `json:"typ"`
	Alg  *string         `json:"alg"`
	JWK  json.RawMessage `json:"jwk"`
	Crit json.RawMessage `json:"crit"`
}

// Parse checks what a proof says on its own (RFC 9449 §4.3, checks 2 to 7):
// one compact JWS; typ dpop+jwt; alg among algs (a subset of Algorithms);
// a jwk header holding a public key of a type that fits alg and no private
// member; a valid signature by that key; and jti, htm, htu and iat present
// with the right types. What depends on the request is the Verifier's.
// Every error is an invalid_dpop_proof *oauth.Error whose description says
// what was wrong.
func Parse(raw string, algs []string) (*Proof, error) {
	if len(raw) > maxProofLen {
		return nil, invalid("the DPoP proof is too long")
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || parts[2] == "" {
		return nil, invalid("the DPoP proof is not a signed JWT")
	}
	hb, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return nil, invalid("the DPoP proof's header is not base64url")
	}
	var h proofHeader
	if err := strictJSON(hb, &h); err != nil {
		return nil, invalid("the DPoP proof's header is not a JSON object")
	}
	switch {
	case h.Typ == nil || !strings.EqualFold(*h.Typ, Type):
		return nil, invalid("the DPoP proof's typ must be %q", Type)
	case h.Alg == nil || *h.Alg == "":
		return nil, invalid("the DPoP proof has no alg")
	case !slices.Contains(algs, *h.Alg) || !slices.Contains(Algorithms, *h.Alg):
		return nil, invalid("the DPoP proof's alg %q is not accepted (accepted: %s)", *h.Alg, strings.Join(algs, " "))
	case len(h.Crit) > 0:
		return nil, invalid("the DPoP proof's header has crit, which no extension here understands")
	case len(h.JWK) == 0:
		return nil, invalid("the DPoP proof's header has no jwk")
	}
	alg := *h.Alg
	pub, jkt, err := publicKey(h.JWK, alg)
	if err != nil {
		return nil, invalid("the DPoP proof's jwk: %v", err)
	}
	var c proofClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	if _, err := parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return nil, invalid("the DPoP proof's signature does not verify with its jwk")
		}
		return nil, invalid("the DPoP proof is malformed")
	}
	p := &Proof{Alg: alg, JKT: jkt}
	switch {
	case c.JTI == nil || *c.JTI == "":
		return nil, invalid("the DPoP proof has no jti")
	case len(*c.JTI) > maxJTILen:
		return nil, invalid("the DPoP proof's jti is too long")
	case c.HTM == nil || *c.HTM == "":
		return nil, invalid("the DPoP proof has no htm")
	case c.HTU == nil || *c.HTU == "":
		return nil, invalid("the DPoP proof has no htu")
	case c.IAT == nil:
		return nil, invalid("the DPoP proof has no iat")
	}
	iat, err := c.IAT.Float64()
	if err != nil || math.IsNaN(iat) || iat < 0 || iat > 1<<40 {
		return nil, invalid("the DPoP proof's iat is not a NumericDate")
	}
	p.JTI, p.HTM, p.HTU = *c.JTI, *c.HTM, *c.HTU
	p.IAT = time.Unix(int64(iat), 0)
	if c.ATH != nil {
		p.ATH = *c.ATH
	}
	if c.Nonce != nil {
		p.Nonce = *c.Nonce
	}
	return p, nil
}

// strictJSON decodes one JSON object and refuses trailing data; members
// the struct lacks are ignored (a header may carry kid, say).
func strictJSON(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

var _ jwt.Claims = proofClaims{}

// Proofs returns the values of h's DPoP header. h["Dpop"] is where
// net/http keeps it; Header.Values("DPoP") would canonicalize the name
// anew (an allocation) on every request that asks.
func Proofs(h http.Header) []string { return h["Dpop"] }
