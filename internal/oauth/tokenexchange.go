package oauth

import "net/url"

// Grant types of RFC 7523 §2.1 and RFC 8693 §2.1.
const (
	GrantJWTBearer     GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantTokenExchange GrantType = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Token type identifiers (RFC 8693 §3).
const (
	TokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeJWT          = "urn:ietf:params:oauth:token-type:jwt"
)

// CodeInvalidTarget is RFC 8693 §2.2.2's error for an audience or resource
// the server will not issue a token for.
const CodeInvalidTarget ErrorCode = "invalid_target"

// InvalidTarget returns an invalid_target error (400).
func InvalidTarget(format string, args ...any) *Error {
	return newError(CodeInvalidTarget, format, args)
}

// repeatable are the parameters a client request may carry more than once:
// RFC 8693 §2.1 allows several audience and resource values (RFC 8707 §2
// likewise for resource).
var repeatable = map[string]bool{"audience": true, "resource": true}

// withoutRepeatable returns form without the parameters that may repeat,
// for the duplicate check.
func withoutRepeatable(form url.Values) url.Values {
	if form["audience"] == nil && form["resource"] == nil {
		return form
	}
	out := make(url.Values, len(form))
	for k, v := range form {
		if !repeatable[k] {
			out[k] = v
		}
	}
	return out
}
