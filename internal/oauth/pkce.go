package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// ValidPKCEValue reports whether s is a well-formed code_verifier or S256
// code_challenge: 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1,
// §4.2).
func ValidPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// CheckPKCERequest validates the code_challenge parameters of an
// authorization request and returns the method to store (plain when
// omitted, RFC 7636 §4.3). required demands a challenge.
func CheckPKCERequest(challenge, method string, required bool) (string, error) {
	if challenge == "" {
		if method != "" {
			return "", InvalidRequest("code_challenge_method was sent without code_challenge")
		}
		if required {
			return "", InvalidRequest("code_challenge is required (PKCE, RFC 7636)")
		}
		return "", nil
	}
	if method == "" {
		method = PKCEPlain
	}
	if method != PKCEPlain && method != PKCES256 {
		return "", InvalidRequest("code_challenge_method must be S256 or plain")
	}
	if !ValidPKCEValue(challenge) {
		return "", InvalidRequest("code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]")
	}
	return method, nil
}

// VerifyPKCE checks a token request's code_verifier against the challenge
// stored with the code (RFC 7636 §4.6). A code issued without a challenge
// must not be redeemed with a verifier either, or an attacker could strip
// PKCE from a request (OAuth 2.0 Security BCP §4.8.2).
func VerifyPKCE(challenge, method, verifier string) error {
	switch {
	case challenge == "" && verifier == "":
		return nil
	case challenge == "":
		return InvalidGrant("code_verifier was sent but the authorization request had no code_challenge")
	case verifier == "":
		return InvalidGrant("code_verifier is required: the authorization request used PKCE")
	case !ValidPKCEValue(verifier):
		return InvalidGrant("code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]")
	}
	computed := verifier
	if method == PKCES256 {
		computed = S256Challenge(verifier)
	}
	if subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) != 1 {
		return InvalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}

// S256Challenge returns BASE64URL-NOPAD(SHA256(verifier)).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
