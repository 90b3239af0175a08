package oidc

import (
	"context"
	"errors"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// verifyAccessToken checks an access token's signature (with the algorithm
// pinned to the key), type, issuer and lifetime against the instance clock,
// then asks the lifecycle whether it still works: revoked and expired read
// exactly as their ordinary counterparts.
func (p *Provider) verifyAccessToken(ctx context.Context, token string) (*accessClaims, error) {
	claims := &accessClaims{}
	parsed, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: accessTokenType})
	switch {
	case errors.Is(err, jwtutil.ErrWrongType):
		return nil, oauth.InvalidToken("the token is not an access token").WithCause(err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errAccessExpired().WithCause(err)
	case err != nil:
		return nil, oauth.InvalidToken("the access token is invalid").WithCause(err)
	}
	if typ, _ := parsed.Header["typ"].(string); typ != accessTokenType {
		return nil, oauth.InvalidToken("the token is not an access token")
	}
	f, ok := p.accessFacts(claims)
	if !ok {
		return nil, oauth.InvalidToken("the access token is invalid")
	}
	switch st, err := p.life.Check(ctx, f); {
	case err != nil:
		return nil, err
	case st == lifecycle.Revoked:
		return nil, errAccessRevoked()
	case st == lifecycle.Expired:
		return nil, errAccessExpired()
	}
	return claims, nil
}

// errAccessExpired and errAccessRevoked are the RFC 6750 errors for an
// access token past its exp (or expired by the admin API) and for a revoked
// one; one place, so the admin API's effects read exactly as the real ones.
func errAccessExpired() *oauth.Error { return oauth.AccessTokenExpired("the access token expired") }
func errAccessRevoked() *oauth.Error { return oauth.InvalidToken("the access token has been revoked") }
