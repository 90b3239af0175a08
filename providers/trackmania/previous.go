package trackmania

import (
	"context"
	"errors"
	"maps"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// accessJTIKey names, in a refresh token's store.Grant.Extra, the jti of
// the access token issued with it: league links each refresh token to its
// access token (access_token_id) and revokes that one on refresh.
const accessJTIKey = "access_jti"

// withAccessJTI is g with the jti of the access token issued along with a
// new refresh token; the map is copied, never shared with g.
func withAccessJTI(g store.Grant, jti string) store.Grant {
	extra := maps.Clone(g.Extra)
	if extra == nil {
		extra = make(map[string]string, 1)
	}
	extra[accessJTIKey] = jti
	g.Extra = extra
	return g
}

// revokePrevious revokes the access token issued with a refresh token
// that was just used, as league's RefreshTokenGrant does. One already past
// its exp is left alone: there is nothing to revoke.
func (p *Provider) revokePrevious(ctx context.Context, g store.Grant) error {
	life, _, ok := splitJTI(g.Extra[accessJTIKey], false)
	if !ok {
		return nil
	}
	_, exp, _, ok := lifecycle.ParseJTI(life)
	if !ok {
		return nil
	}
	f, ok := p.life.AccessFacts(life, g.Username, g.ClientID, g.FamilyID, exp)
	if !ok {
		return nil
	}
	if _, err := p.life.RevokeToken(ctx, f); err != nil && !errors.Is(err, provider.ErrUnknownToken) {
		return err
	}
	return nil
}
