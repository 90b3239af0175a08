package oauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/httpx"
)

// BearerRenderer renders errors of protected resources (userinfo, a
// dialect's API routes) as RFC 6750 §3 requires: the status, a
// WWW-Authenticate: Bearer challenge naming the error, and a JSON body.
type BearerRenderer struct {
	Realm string
}

// WriteError implements ErrorRenderer.
func (br BearerRenderer) WriteError(w http.ResponseWriter, r *http.Request, e *Error) {
	copyHeader(w.Header(), e.Header)
	if w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", BearerChallenge(br.Realm, e))
	}
	RFC6749Renderer{}.WriteError(w, r, &Error{Code: e.Code, Description: e.Description, URI: e.URI, Status: e.StatusCode()})
}

// BearerChallenge builds the WWW-Authenticate value for e.
func BearerChallenge(realm string, e *Error) string {
	parts := []string{}
	if realm != "" {
		parts = append(parts, fmt.Sprintf("realm=%q", realm))
	}
	parts = append(parts, fmt.Sprintf("error=%q", string(e.Code)))
	if e.Description != "" {
		parts = append(parts, fmt.Sprintf("error_description=%q", strings.ReplaceAll(e.Description, `"`, "'")))
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// MissingToken is the error for a request to a protected resource that
// carries no credentials: 401 with a bare challenge and no error code, as
// RFC 6750 §3.1 asks.
func MissingToken(realm string) *Error {
	challenge := "Bearer"
	if realm != "" {
		challenge = fmt.Sprintf("Bearer realm=%q", realm)
	}
	return InvalidToken("a bearer token is required").WithStatus(http.StatusUnauthorized).WithHeader("WWW-Authenticate", challenge)
}

// RequireBearer returns the bearer token of r, or MissingToken.
func RequireBearer(r *http.Request, realm string) (string, error) {
	token, ok := httpx.BearerToken(r)
	if !ok {
		return "", MissingToken(realm)
	}
	return token, nil
}

// NeedScope is RFC 6750 §3.1's 403 insufficient_scope, its challenge naming
// the scope the resource needs (when scope is not empty) so the client
// knows what to ask for.
func NeedScope(realm, scope, description string) *Error {
	e := InsufficientScope("%s", description)
	challenge := BearerChallenge(realm, e)
	if scope != "" {
		challenge += fmt.Sprintf(", scope=%q", scope)
	}
	return e.WithHeader("WWW-Authenticate", challenge)
}
