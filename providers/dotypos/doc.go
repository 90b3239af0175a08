// Package dotypos reproduces the authorization contract of the Dotykačka /
// Dotypos API v2 (https://docs.api.dotypos.com/authorization): the
// connector pages that hand a client application a long-lived refresh token
// and a cloud id (legacy GET /client/connect with the client secret in the
// query, and POST /client/connect/v2 with an HMAC-SHA256 signature), the
// exchange of that token for a one-hour JWT at /v2/signin/token with the
// custom "Authorization: User <token>" scheme, and the cloud endpoints a
// client calls right after signing in, with the API's error statuses (an
// expired access token is a 403, not a 401).
//
// It is not OAuth 2.0, although it looks like it: there is no code exchange
// and no token endpoint taking client credentials, so it reuses the shared
// pieces (client directory, constant-time secret comparison, redirect
// matching, the store, jwtutil) but not oauth.TokenEndpoint.
//
// For the admin API it records every token it issues in a ledger, so that
// tokens can be revoked or expired by token, jti, user or client
// (control.go), and it lets clients, users and clouds be edited at runtime
// (editor.go).
package dotypos
