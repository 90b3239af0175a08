package provider

import "github.com/authmock/authmock/jwtutil"

// KeyHolder is implemented by providers that sign JWTs, so the admin API
// and the dashboard can tell whether a token verifies against the
// instance's own key set (the one its JWKS publishes, where it has one).
type KeyHolder interface {
	// KeySet returns the instance's keys, or nil when it issues no JWTs
	// (opaque tokens).
	KeySet() *jwtutil.KeySet
}

// Keys returns p's key set, or nil when p signs no JWTs.
func Keys(p Provider) *jwtutil.KeySet {
	if kh, ok := As[KeyHolder](p); ok {
		return kh.KeySet()
	}
	return nil
}
