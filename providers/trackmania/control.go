package trackmania

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// resolveToken reads a token the instance issued: a JWT access token by its
// claims (its signature checked, its expiry not), an opaque one by its
// record, a refresh token by its family's record.
func (p *Provider) resolveToken(ctx context.Context, token string) (lifecycle.Facts, error) {
	if len(token) > maxTokenLen {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	if p.keys != nil && strings.Count(token, ".") == 2 {
		// Refresh tokens are base64url: a JWS can only be an access token.
		claims, err := p.jwtClaims(token)
		if err != nil || !p.ownJTI(claims.ID) {
			return lifecycle.Facts{}, provider.ErrUnknownToken
		}
		return p.factsOrUnknown(p.jwtAccess(claims))
	}
	if p.keys == nil {
		b, err := p.deps.Store.GetRecord(ctx, accessKeyPrefix+accessID(token))
		switch {
		case err == nil:
			var a access
			if err := json.Unmarshal(b, &a); err != nil {
				return lifecycle.Facts{}, err
			}
			return p.factsOrUnknown(a)
		case errors.Is(err, store.ErrExpired):
			return lifecycle.Facts{}, provider.ErrUnknownToken
		case !errors.Is(err, store.ErrNotFound):
			return lifecycle.Facts{}, err
		}
	}
	rec, err := p.deps.Store.LookupRefresh(ctx, token)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrRevoked) && rec.Grant.FamilyID != "":
		// Already revoked: found, so that a second revoke counts nothing
		// rather than failing.
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired),
		errors.Is(err, store.ErrRevoked), errors.Is(err, store.ErrReused):
		// A retired (rotated-away) token is no longer one the instance
		// knows: its successor is.
		return lifecycle.Facts{}, provider.ErrUnknownToken
	default:
		return lifecycle.Facts{}, err
	}
	return lifecycle.RefreshFacts(rec), nil
}

// factsOrUnknown builds an access token's facts for the resolver without
// asking the lifecycle, whose lock the admin call holds: AccessFacts takes
// it to find the username of a token whose user is gone (a JWT's sub names
// no user any more), which deadlocked. The lifecycle judges such a token by
// its jti's mark and its client's cut-offs; the username stays empty.
func (p *Provider) factsOrUnknown(a access) (lifecycle.Facts, error) {
	life, _, ok := splitJTI(a.JTI, false)
	if !ok || a.ClientID == "" {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	seq, _, _, ok := lifecycle.ParseJTI(life)
	if !ok {
		return lifecycle.Facts{}, provider.ErrUnknownToken
	}
	return lifecycle.Facts{
		Kind: lifecycle.Access, Seq: seq, JTI: life, Family: a.FamilyID,
		Username: a.Username, ClientID: a.ClientID, ExpiresAt: time.Unix(a.Expiry, 0),
	}, nil
}

// jwtClaims verifies a JWT access token of this instance, as of the moment
// it was issued so that an expired one is still recognised.
func (p *Provider) jwtClaims(token string) (*jwtClaims, error) {
	var unverified jwtClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &unverified); err != nil {
		return nil, err
	}
	if unverified.IssuedAt == nil {
		return nil, errors.New("the token has no iat")
	}
	issued := unverified.IssuedAt.Time
	claims := &jwtClaims{}
	opts := jwtutil.VerifyOptions{Now: func() time.Time { return issued }, Type: accessTokenJWTType}
	if _, err := p.keys.Verify(token, claims, opts); err != nil {
		return nil, err
	}
	if claims.ID == "" {
		return nil, errors.New("the token has no jti")
	}
	return claims, nil
}

// checkClient is checkClients for one client, with paths relative to it.
// The directory adds the shared rules (a secret, redirect URIs, an existing
// default_user).
func checkClient(c fixtures.Client) fixtures.Problems {
	return relative(checkClients([]fixtures.Client{c}), "clients")
}

// checkUser is checkUsers for one user against the others, with paths
// relative to it. The directory adds the shared rules (a username, a
// subject no other user has).
func (p *Provider) checkUser(u fixtures.User) fixtures.Problems {
	ps := relative(checkUsers([]fixtures.User{u}), "users")
	name := displayName(u)
	for _, other := range p.dir.Users() {
		if other.Username != u.Username && displayName(other) == name {
			ps.Add("claims."+displayNameClaim, "duplicate display name %q (user %q has it)", name, other.Username)
		}
	}
	return ps
}

// relative makes the paths of problems found in a one-item list of kind
// relative to the item.
func relative(ps fixtures.Problems, kind string) fixtures.Problems {
	prefix := fixtures.Index(kind, 0)
	for i, pr := range ps {
		ps[i].Path = strings.TrimPrefix(strings.TrimPrefix(pr.Path, prefix), ".")
	}
	return ps
}
