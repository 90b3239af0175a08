// Package oidc is the generic, standards-complete OAuth 2.0 / OpenID Connect
// dialect: discovery (OIDC Discovery, RFC 8414), JWKS, the authorization
// endpoint with PKCE (RFC 7636) and pushed requests (RFC 9126), the token
// endpoint (authorization_code, refresh_token with rotation and reuse
// detection, client_credentials, password), ID tokens, userinfo,
// introspection (RFC 7662), revocation (RFC 7009) and RP-initiated logout.
//
// Its measure of success is that stock client libraries
// (golang.org/x/oauth2, openid-client) work against it unchanged.
package oidc
