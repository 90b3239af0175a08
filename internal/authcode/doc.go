// Package authcode is the authorization-code flow (RFC 6749 §4.1, RFC 7636,
// RFC 9207) written once for every dialect that has one: the authorization
// endpoint's parsing and validation, the login and consent page, pending
// requests, approval and code issuance, and the token endpoint's
// authorization_code and refresh_token grants.
//
// It is separate from internal/oauth because it owns state and pages: it
// stores codes, pending requests and refresh families, and runs the
// lifecycle's checks. What differs between dialects is a Policy (iss in the
// redirect, PKCE rules, reuse semantics, how the subject is named, the
// wording of every error) and a Tokens implementation that mints the
// dialect's own tokens. A dialect builds one Flow in New and hands its
// handlers and grants to its router and token endpoint.
package authcode
