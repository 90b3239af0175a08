package dotypos

import (
	"context"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/ledger"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// Revoke implements provider.Revoker. Revoked access tokens get 401
// INVALID_ACCESS_TOKEN at the API; revoked refresh tokens get 401
// INVALID_REFRESH_TOKEN at signin, and their records are deleted, as a user
// disconnecting the application would. A token named by Token is revoked
// alone (a refresh token's access tokens live on, as
// RevokeRefreshToken's do); a user or client loses every token.
func (p *Provider) Revoke(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	entries, err := p.ledger.Resolve(ctx, sel, ledger.One(p.resolveToken))
	if err != nil {
		return provider.Selected{}, err
	}
	return p.revokeEntries(ctx, entries)
}

// Expire implements provider.Revoker. Expired access tokens get 403
// ACCESS_TOKEN_EXPIRED, exactly as when their exp passes, so a client
// exchanges its refresh token again; a user's or client's refresh tokens
// keep working. A refresh token named by Token is expired itself: signin
// answers 401 INVALID_REFRESH_TOKEN, as for a refresh_token_ttl that ran
// out.
func (p *Provider) Expire(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	entries, err := p.ledger.Resolve(ctx, sel, ledger.One(p.resolveToken))
	if err != nil {
		return provider.Selected{}, err
	}
	if sel.Token == "" {
		entries = ledger.AccessOnly(entries)
	}
	return p.ledger.Expire(ctx, entries)
}

// resolveToken finds a token's ledger entry by the dialect's own means.
func (p *Provider) resolveToken(ctx context.Context, token string) (ledger.Entry, error) {
	if validRefreshToken(token) {
		return p.resolveRefresh(ctx, token)
	}
	return p.resolveAccess(ctx, token)
}

// resolveRefresh returns the ledger entry of a refresh token whose record
// is still there; a deleted (revoked), expired or unknown one is
// provider.ErrUnknownToken.
func (p *Provider) resolveRefresh(ctx context.Context, token string) (ledger.Entry, error) {
	id := refreshID(token)
	_, err := p.deps.Store.GetRecord(ctx, refreshKey(id))
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return ledger.Entry{}, provider.ErrUnknownToken
	case err != nil:
		return ledger.Entry{}, err
	}
	return p.ledger.Lookup(ctx, ledger.Refresh, id)
}

// ignoreTime is a verification leeway that makes exp, nbf and iat pass:
// resolving a token for the admin API only needs to know it is ours.
const ignoreTime = 100 * 365 * 24 * time.Hour

// resolveAccess returns the ledger entry of an access token this instance
// signed; anything else, or a token the ledger has forgotten because its
// exp has passed, is provider.ErrUnknownToken.
func (p *Provider) resolveAccess(ctx context.Context, token string) (ledger.Entry, error) {
	claims := &accessClaims{}
	_, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: accessTokenType, Leeway: ignoreTime})
	if err != nil || claims.ID == "" {
		return ledger.Entry{}, provider.ErrUnknownToken
	}
	return p.ledger.Lookup(ctx, ledger.Access, claims.ID)
}

// revokeEntries marks the entries revoked and deletes the records of the
// refresh tokens among them. The ledger is marked first: a signin that has
// already read a record still finds the mark. The ledger does not count
// tokens already revoked again.
func (p *Provider) revokeEntries(ctx context.Context, entries []ledger.Entry) (provider.Selected, error) {
	n, err := p.ledger.Revoke(ctx, entries)
	if err != nil {
		return n, err
	}
	for _, e := range entries {
		if e.Kind == ledger.Refresh {
			if err := p.deps.Store.DeleteRecord(ctx, refreshKey(e.ID)); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}
