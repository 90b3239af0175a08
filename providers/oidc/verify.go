package oidc

import (
	"context"
	"errors"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// verifyAccessToken checks an access token's signature (with the algorithm
// pinned to the key), type, issuer and lifetime against the instance clock,
// and that neither it nor its grant was revoked.
func (p *Provider) verifyAccessToken(ctx context.Context, token string) (*accessClaims, error) {
	claims := &accessClaims{}
	parsed, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, oauth.InvalidToken("the access token expired").WithCause(err)
	case err != nil:
		return nil, oauth.InvalidToken("the access token is invalid").WithCause(err)
	}
	if typ, _ := parsed.Header["typ"].(string); typ != accessTokenType {
		return nil, oauth.InvalidToken("the token is not an access token")
	}
	keys := []string{"jti:" + claims.ID}
	if claims.SID != "" {
		keys = append(keys, "sid:"+claims.SID)
	}
	revoked, err := p.deps.Store.Revoked(ctx, keys...)
	if err != nil {
		return nil, err
	}
	if revoked {
		return nil, oauth.InvalidToken("the access token has been revoked")
	}
	return claims, nil
}
