package dpop

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/oauth"
)

// Error codes of RFC 9449 §12.2.
const (
	// CodeInvalidProof: the DPoP proof is missing where required, malformed,
	// or does not match the request (§5, §7.1).
	CodeInvalidProof oauth.ErrorCode = "invalid_dpop_proof"
	// CodeUseNonce: the server requires a nonce it provides in the
	// DPoP-Nonce header (§8, §9).
	CodeUseNonce oauth.ErrorCode = "use_dpop_nonce"
)

// HeaderNonce is the response header carrying a server nonce (RFC 9449 §8).
const HeaderNonce = "DPoP-Nonce"

// invalid builds an invalid_dpop_proof error; its status is 400, the token
// endpoint's (RFC 9449 §5); ForResource turns it into the 401 of a
// protected resource.
func invalid(format string, args ...any) *oauth.Error {
	return &oauth.Error{Code: CodeInvalidProof, Description: fmt.Sprintf(format, args...)}
}

// InvalidProof is an invalid_dpop_proof error for the callers' own checks
// (a client that must use DPoP sent no proof, say).
func InvalidProof(description string) *oauth.Error { return invalid("%s", description) }

// useNonce builds the use_dpop_nonce error carrying a fresh nonce.
func useNonce(description, nonce string) *oauth.Error {
	return (&oauth.Error{Code: CodeUseNonce, Description: description}).WithHeader(HeaderNonce, nonce)
}

// ForResource rewrites e, an error met while checking a request to a
// protected resource that presented (or had to present) a DPoP-bound token,
// as RFC 9449 §7.1 and §9 want it: status 401 and a "WWW-Authenticate: DPoP"
// challenge naming the error and the accepted algorithms. Errors that are
// not about the token or the proof (insufficient_scope, server_error) are
// returned unchanged. e is copied, never modified.
func ForResource(e *oauth.Error, realm string, algs []string) *oauth.Error {
	switch e.Code {
	case CodeInvalidProof, CodeUseNonce, oauth.CodeInvalidToken:
	default:
		return e
	}
	out := *e
	out.Status = http.StatusUnauthorized
	out.Header = http.Header{}
	for k, vs := range e.Header {
		if k != "Www-Authenticate" {
			out.Header[k] = vs
		}
	}
	out.Header.Set("WWW-Authenticate", Challenge(realm, e, algs))
	return &out
}

// Challenge is the "WWW-Authenticate: DPoP" value of RFC 9449 §7.1: realm,
// error, error_description (when e is not nil) and algs.
func Challenge(realm string, e *oauth.Error, algs []string) string {
	var parts []string
	if realm != "" {
		parts = append(parts, fmt.Sprintf("realm=%q", realm))
	}
	if e != nil {
		parts = append(parts, fmt.Sprintf("error=%q", string(e.Code)))
		if e.Description != "" {
			parts = append(parts, fmt.Sprintf("error_description=%q", strings.ReplaceAll(e.Description, `"`, "'")))
		}
	}
	parts = append(parts, fmt.Sprintf("algs=%q", strings.Join(algs, " ")))
	return "DPoP " + strings.Join(parts, ", ")
}
