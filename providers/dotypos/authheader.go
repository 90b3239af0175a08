package dotypos

import "github.com/authmock/authmock/internal/provider"

// ChecksAuthorizationHeaders marks that every Dotypos route that reads the
// Authorization header demands exactly one (parseUserAuth, authenticate),
// answering 401 INVALID_AUTH_HEADER as the API does for any bad header.
func (*Provider) ChecksAuthorizationHeaders() {}

var _ provider.AuthorizationChecker = (*Provider)(nil)
