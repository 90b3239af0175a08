// Package tokenview decodes a JWT for a person to read (header and claims)
// and says whether its signature verifies against an instance's key set.
//
// It is separate from jwtutil, which only ever accepts a token whole and
// verified: a view must show a token that is expired, tampered with or
// signed by someone else, and say which. The admin API's inspect call and
// the journal's decoded tokens share it, so the dashboard shows one verdict
// for both.
package tokenview
