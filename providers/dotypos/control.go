package dotypos

import (
	"context"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// resolveToken reads a token by the dialect's own means: a refresh token
// by its record (a deleted, expired or unknown one is unknown), an access
// token by its signature and claims, whatever its times.
func (p *Provider) resolveToken(ctx context.Context, token string) (lifecycle.Facts, error) {
	if validRefreshToken(token) {
		g, id, err := p.lookupRefresh(ctx, token)
		if errors.Is(err, errUnknownRefresh) {
			return lifecycle.Facts{}, provider.ErrUnknownToken
		} else if err != nil {
			return lifecycle.Facts{}, err
		}
		return g.facts(id), nil
	}
	claims := &accessClaims{}
	_, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: accessTokenType, Leeway: ignoreTime})
	if err != nil {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	f, ok := p.accessFacts(claims)
	if !ok {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	return f, nil
}

// ignoreTime is a verification leeway that makes exp, nbf and iat pass:
// resolving a token for the admin API only needs to know it is ours.
const ignoreTime = 100 * 365 * 24 * time.Hour

// accessFacts reads an access token's lifecycle facts from its claims.
func (p *Provider) accessFacts(claims *accessClaims) (lifecycle.Facts, bool) {
	var username string
	if u, ok := p.dir.UserBySubject(claims.Subject); ok {
		username = u.Username
	}
	var exp time.Time
	if claims.ExpiresAt != nil {
		exp = claims.ExpiresAt.Time
	}
	return p.life.AccessFacts(claims.ID, username, claims.ClientID, "", exp)
}
