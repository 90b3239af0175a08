package oidc

import (
	"context"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// Every way this dialect withdraws tokens (the revocation endpoint, a
// replayed code, a reused refresh token, logout, the admin API) goes
// through the instance's lifecycle, and every verification asks its Check.
// An access token is named by its jti; a refresh token by its grant, the
// family whose id is the "sid" of the grant's access and ID tokens.

// resolveToken reads a token this instance issued: a refresh token by its
// store record (a revoked family's too, so that revoking it again counts
// nothing), an access token by its verified claims. A rotated-away refresh
// token, an ID token and anything else are unknown.
func (p *Provider) resolveToken(ctx context.Context, token string) (lifecycle.Facts, error) {
	rec, err := p.deps.Store.LookupRefresh(ctx, token)
	switch {
	case err == nil, errors.Is(err, store.ErrRevoked):
		return lifecycle.RefreshFacts(rec), nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrReused):
	default:
		return lifecycle.Facts{}, err
	}
	claims, err := p.parseAccessToken(token)
	if err != nil {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	f, ok := p.accessFacts(claims)
	if !ok {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	return f, nil
}

// accessFacts reads an access token's lifecycle facts from its claims.
func (p *Provider) accessFacts(claims *accessClaims) (lifecycle.Facts, bool) {
	var username string
	if claims.Subject != claims.ClientID {
		if u, ok := p.dir.UserBySubject(claims.Subject); ok {
			username = u.Username
		}
	}
	var exp time.Time
	if claims.ExpiresAt != nil {
		exp = claims.ExpiresAt.Time
	}
	return p.life.AccessFacts(claims.ID, username, claims.ClientID, claims.SID, exp)
}

// parseAccessToken verifies an access token's signature, issuer and type
// but none of its times: whether it is still live is the lifecycle's to
// say.
func (p *Provider) parseAccessToken(token string) (*accessClaims, error) {
	var unverified accessClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &unverified); err != nil {
		return nil, err
	}
	if unverified.IssuedAt == nil {
		return nil, errors.New("oidc: the token has no iat")
	}
	// Judged as of its own iat, where every token this dialect signs is
	// valid (nbf = iat < exp); the signature check below makes the claims
	// read here the token's own.
	iat := unverified.IssuedAt.Time
	claims := &accessClaims{}
	_, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{
		Now: func() time.Time { return iat }, Issuer: p.deps.Issuer, Type: accessTokenType,
	})
	if err != nil {
		return nil, err
	}
	if claims.ID == "" {
		return nil, errors.New("oidc: the token has no jti")
	}
	return claims, nil
}
