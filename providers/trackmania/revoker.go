package trackmania

import (
	"context"

	"github.com/authmock/authmock/internal/provider"
)

// Revoke implements provider.Revoker for the admin API: the lifecycle's,
// with a jti selector read as a token carries it. A Trackmania jti is 80
// characters whose first 32 are the lifecycle's stamp (jti.go); the admin
// API takes either, and Mint returns the 80 the token carries.
func (p *Provider) Revoke(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	return p.life.Revoke(ctx, withLifeJTI(sel))
}

// Expire implements provider.Revoker, as Revoke.
func (p *Provider) Expire(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	return p.life.Expire(ctx, withLifeJTI(sel))
}

func withLifeJTI(sel provider.TokenSelector) provider.TokenSelector {
	sel.JTI = lifeJTI(sel.JTI)
	return sel
}

var _ provider.Revoker = (*Provider)(nil)
