package oidc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/ledger"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// The ledger names an access token by its jti and a refresh token by its
// family id (the grant's id, the "sid" of its access and ID tokens). Every
// way this dialect withdraws tokens (the revocation endpoint, a replayed
// code, a reused refresh token, logout, the admin API) goes through
// revokeGrant or markRevoked, so the ledger, the store's families and the
// "jti:"/"sid:" revocations always agree.

// grantMembersPrefix keys one record per access token issued under a grant
// with a refresh-token family, "grant-access/<family id>/<jti>", holding
// the token's exp (Unix seconds) and kept until then: it lets revoking a
// grant mark each of its access tokens in the ledger. One small record per
// token keeps issuance O(1) even when a grant is refreshed thousands of
// times on a frozen clock; revoking a grant scans the records instead,
// which is rare.
const grantMembersPrefix = "grant-access/"

// recordAccess records an access token in the ledger and, when it belongs
// to a grant with a refresh-token family, among the grant's members.
func (p *Provider) recordAccess(ctx context.Context, g store.Grant, e ledger.Entry) error {
	if err := p.ledger.Record(ctx, e); err != nil {
		return err
	}
	if g.FamilyID == "" {
		return nil
	}
	exp := strconv.AppendInt(nil, e.ExpiresAt.Unix(), 10)
	return p.deps.Store.PutRecord(ctx, grantMembersPrefix+g.FamilyID+"/"+e.ID, exp, e.ExpiresAt)
}

// ledgerStatus is the ledger's status of a token, reading an unknown one as
// Live.
func (p *Provider) ledgerStatus(ctx context.Context, k ledger.Kind, id string) (ledger.Status, error) {
	if id == "" {
		return ledger.Live, nil
	}
	return p.ledger.Status(ctx, k, id)
}

// revokeGrant revokes a grant's refresh-token family and every access token
// issued under it, and counts the tokens that were live.
func (p *Provider) revokeGrant(ctx context.Context, familyID string) (provider.Selected, error) {
	if familyID == "" {
		return provider.Selected{}, nil
	}
	entries, err := p.withdrawGrants(ctx, []string{familyID})
	if err != nil {
		return provider.Selected{}, err
	}
	return p.markRevoked(ctx, entries)
}

// withdrawGrants revokes grants in the store (their families, and their
// access tokens by sid) and returns their ledger entries for markRevoked:
// each family's, when it has refresh tokens, and its live access tokens'.
func (p *Provider) withdrawGrants(ctx context.Context, familyIDs []string) ([]ledger.Entry, error) {
	if len(familyIDs) == 0 {
		return nil, nil
	}
	// Access tokens of a family live at most the longest access TTL.
	until := p.now().Add(p.maxAccessTTL())
	var out []ledger.Entry
	wanted := make(map[string]bool, len(familyIDs))
	for _, id := range familyIDs {
		wanted[id] = true
		if err := p.deps.Store.RevokeFamily(ctx, id); err != nil {
			return nil, err
		}
		if err := p.deps.Store.Revoke(ctx, "sid:"+id, until); err != nil {
			return nil, err
		}
		switch e, err := p.ledger.Lookup(ctx, ledger.Refresh, id); {
		case err == nil:
			out = append(out, e)
		case !errors.Is(err, provider.ErrUnknownToken):
			return nil, err
		}
	}
	// One scan, of one grant's members or of every grant's.
	prefix := grantMembersPrefix
	if len(familyIDs) == 1 {
		prefix += familyIDs[0] + "/"
	}
	members, err := p.deps.Store.ListRecords(ctx, prefix)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		family, jti, ok := strings.Cut(strings.TrimPrefix(m.Key, grantMembersPrefix), "/")
		if !ok || !wanted[family] {
			continue
		}
		exp, err := strconv.ParseInt(string(m.Value), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("oidc: grant member %s: %w", m.Key, err)
		}
		out = append(out, ledger.Entry{Kind: ledger.Access, ID: jti, ExpiresAt: time.Unix(exp, 0)})
	}
	return out, nil
}

// markRevoked marks entries revoked in the ledger and their access tokens
// by jti, as the revocation endpoint does, and counts those that were live.
// A token the admin API expired is revoked too (revoked wins) but not
// counted; one already revoked is left alone.
func (p *Provider) markRevoked(ctx context.Context, entries []ledger.Entry) (provider.Selected, error) {
	type key struct {
		kind ledger.Kind
		id   string
	}
	seen := make(map[key]bool, len(entries))
	var (
		n    provider.Selected
		mark []ledger.Entry
	)
	for _, e := range entries {
		k := key{e.Kind, e.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		st, err := p.ledger.Status(ctx, e.Kind, e.ID)
		if err != nil {
			return n, err
		}
		if st == ledger.Revoked {
			continue
		}
		if st == ledger.Live {
			if e.Kind == ledger.Refresh {
				n.RefreshTokens++
			} else {
				n.AccessTokens++
			}
		}
		if e.Kind == ledger.Access {
			if err := p.deps.Store.Revoke(ctx, "jti:"+e.ID, e.ExpiresAt); err != nil {
				return n, err
			}
		}
		mark = append(mark, e)
	}
	if _, err := p.ledger.Revoke(ctx, mark); err != nil {
		return n, err
	}
	return n, nil
}

// Revoke implements provider.Revoker. Revoking a refresh token (by token,
// or among a user's or client's) revokes its whole grant, as the
// revocation endpoint does: the family in the store, and every access
// token issued under it. Access tokens then fail with invalid_token "the
// access token has been revoked", refresh tokens with invalid_grant.
func (p *Provider) Revoke(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	entries, err := p.ledger.Resolve(ctx, sel, ledger.One(p.resolveToken))
	if err != nil {
		return provider.Selected{}, err
	}
	// The families go first, then what their grants add.
	var families []string
	for _, e := range entries {
		if e.Kind == ledger.Refresh {
			families = append(families, e.ID)
		}
	}
	grants, err := p.withdrawGrants(ctx, families)
	if err != nil {
		return provider.Selected{}, err
	}
	all := append(entries, grants...)
	return p.markRevoked(ctx, all)
}

// Expire implements provider.Revoker: the selected access tokens fail from
// now on with invalid_token "the access token expired", and introspect as
// inactive. A user's or client's refresh tokens stay usable; a refresh
// token named by Token is expired itself (invalid_grant at the token
// endpoint), and its grant's access tokens are left alone.
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

// resolveToken finds the ledger entry of a token this instance issued: a
// refresh token by its family (a revoked family's too, so that revoking it
// again counts nothing), an access token by its jti. A rotated-away refresh
// token, an ID token and anything else are unknown.
func (p *Provider) resolveToken(ctx context.Context, token string) (ledger.Entry, error) {
	rec, err := p.deps.Store.LookupRefresh(ctx, token)
	switch {
	case err == nil, errors.Is(err, store.ErrRevoked):
		return p.ledger.Lookup(ctx, ledger.Refresh, rec.Grant.FamilyID)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrReused):
	default:
		return ledger.Entry{}, err
	}
	claims, err := p.parseAccessToken(token)
	if err != nil {
		return ledger.Entry{}, provider.ErrUnknownToken
	}
	return p.ledger.Lookup(ctx, ledger.Access, claims.ID)
}

// parseAccessToken verifies an access token's signature, issuer and type
// but none of its times: whether it is still live is the ledger's to say
// (its entry is forgotten when the token expires).
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
