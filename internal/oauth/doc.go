// Package oauth is the RFC 6749 machinery every dialect shares: the error
// type and its default renderer, client authentication, PKCE (RFC 7636),
// exact redirect-URI matching, scope parsing, strict form parsing and a token
// endpoint that dispatches to per-grant handlers.
//
// Dialects whose wire format is not OAuth2 (Dotypos signin, FastAPI login)
// reuse the pieces and render errors in their own format through an
// ErrorRenderer; the decisions about what is an error live here once.
package oauth
