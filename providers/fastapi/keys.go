package fastapi

import (
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// KeySet returns the keys the instance signs its JWTs with, nil with
// opaque tokens.
func (p *Provider) KeySet() *jwtutil.KeySet { return p.keys }

var _ provider.KeyHolder = (*Provider)(nil)
