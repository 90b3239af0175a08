// Package trackmania reproduces the Trackmania OAuth2 API
// (api.trackmania.com): the authorization endpoint at /oauth/authorize, the
// token endpoint at /api/access_token (authorization_code, refresh_token
// with rotation and reuse detection, client_credentials), and the resource
// routes clients call after login (/api/user, display names, clubs,
// favourite maps), with the exact success bodies the Trackmania
// documentation shows and RFC 6749 / RFC 6750 errors where it is silent.
//
// docs/providers/trackmania.md says which behaviour is documented by Nadeo
// and which is authmock's choice.
package trackmania
