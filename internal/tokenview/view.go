package tokenview

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/jwtutil"
)

// Signature verdicts.
const (
	// Valid: the signature verifies against a key of the instance. The
	// claims may still be out of date; Problem says so.
	Valid = "valid"
	// Invalid: the token names a key of the instance but its signature or
	// algorithm does not match it.
	Invalid = "invalid"
	// UnknownKey: no key of the instance matches the token's kid.
	UnknownKey = "unknown_key"
	// NoKeys: the instance signs no JWTs, so nothing can be checked.
	NoKeys = "no_keys"
)

// maxLen bounds what is decoded; a JWT this instance issues is far
// smaller, and the limit keeps a pasted megabyte from costing anything.
const maxLen = 16 << 10

// ErrNotJWT is returned for anything that is not a compact JWS whose
// header and claims are JSON objects.
var ErrNotJWT = errors.New("not a JWT")

// View is a token decoded for reading.
type View struct {
	Header map[string]any `json:"header"`
	Claims map[string]any `json:"claims"`
	// Signature is one of Valid, Invalid, UnknownKey and NoKeys.
	Signature string `json:"signature"`
	// Problem says why the signature is not valid, or, for a valid one,
	// what is wrong with its claims on the instance's clock ("token is
	// expired"); empty when there is nothing to say.
	Problem string `json:"problem,omitempty"`
}

// Decode reads a compact JWT's header and claims without checking
// anything. Numbers keep their exact text. Errors wrap ErrNotJWT.
func Decode(token string) (header, claims map[string]any, err error) {
	if len(token) > maxLen {
		return nil, nil, fmt.Errorf("%w: longer than 16 KiB", ErrNotJWT)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("%w: a JWT has three dot-separated parts", ErrNotJWT)
	}
	if header, err = segment(parts[0]); err != nil {
		return nil, nil, fmt.Errorf("%w: header %v", ErrNotJWT, err)
	}
	if claims, err = segment(parts[1]); err != nil {
		return nil, nil, fmt.Errorf("%w: claims %v", ErrNotJWT, err)
	}
	return header, claims, nil
}

func segment(s string) (map[string]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("is not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return nil, errors.New("is not a JSON object")
	}
	return m, nil
}

// Looks reports whether s is shaped like a JWT: cheap enough to ask of
// every value in an exchange before decoding any. A JWS header is a JSON
// object, `{"`, which base64url-encodes to "eyJ".
func Looks(s string) bool {
	return len(s) <= maxLen && strings.Count(s, ".") == 2 && strings.HasPrefix(s, "eyJ")
}

// Inspect decodes token and checks its signature against keys (nil when
// the instance issues no JWTs); now is the instance's clock, used only to
// report out-of-date claims. It fails only for a token it cannot decode,
// with an error wrapping ErrNotJWT.
func Inspect(token string, keys *jwtutil.KeySet, now func() time.Time) (View, error) {
	header, claims, err := Decode(token)
	if err != nil {
		return View{}, err
	}
	v := View{Header: header, Claims: claims}
	if keys == nil {
		v.Signature = NoKeys
		return v, nil
	}
	_, err = keys.Verify(token, jwt.MapClaims{}, jwtutil.VerifyOptions{Now: now, AllowMissingExp: true})
	switch {
	case err == nil:
		v.Signature = Valid
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		// golang-jwt checks the signature before the claims, so a claims
		// error means the signature held.
		v.Signature, v.Problem = Valid, claimsProblem(err)
	case errors.Is(err, jwtutil.ErrUnknownKey):
		v.Signature, v.Problem = UnknownKey, "no key of this instance has the token's kid"
	default:
		v.Signature, v.Problem = Invalid, "the signature does not verify with this instance's key"
	}
	return v, nil
}

// claimsProblem names the claim at fault in words, without golang-jwt's
// error chain.
func claimsProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token is expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token is not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token is used before it was issued"
	default:
		return "the claims are not valid"
	}
}
