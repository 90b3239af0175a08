package trackmania

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// tokenType is the token_type of every token response, lowercase as the
// Trackmania documentation shows it.
const tokenType = "bearer"

// accessTokenJWTType is the JWT "typ" of access tokens in jwt mode, as
// lcobucci/jwt writes it.
const accessTokenJWTType = "JWT"

// maxTokenLen bounds a presented access token before it is hashed or
// parsed; real tokens are far shorter.
const maxTokenLen = 4096

// access is what an access token grants, whatever its format: an opaque
// token's store record, or read from a JWT's claims.
type access struct {
	ClientID string   `json:"client_id"`
	Subject  string   `json:"sub,omitempty"` // accountId; empty for client credentials
	Scopes   []string `json:"scopes,omitempty"`
	FamilyID string   `json:"sid,omitempty"`
	Expiry   int64    `json:"exp"`
	// JTI is the token's 80-character jti (jti.go), the lifecycle's stamp
	// first; Username names the user in it (kept in an opaque token's
	// record).
	JTI      string `json:"jti"`
	Username string `json:"username,omitempty"`
}

func (p *Provider) now() time.Time { return p.deps.Clock.Now().Truncate(time.Second) }

func (p *Provider) accessTTL(c fixtures.Client) time.Duration {
	return c.AccessTokenTTL.Or(p.cfg.AccessTokenTTL)
}

func (p *Provider) refreshTTL(c fixtures.Client) time.Duration {
	return c.RefreshTokenTTL.Or(p.cfg.RefreshTokenTTL)
}

// issueOptions say what to issue beside the access token.
type issueOptions struct {
	// refresh issues a new refresh token into the grant's family.
	refresh bool
	// refreshToken is a successor already stored by rotation, with stamp
	// the access token stamped for it before the rotation.
	refreshToken string
	stamp        *lifecycle.Facts
	// jti is the access token's jti when the rotation made it already.
	jti string
	// accessScopes narrows the access token; nil means the grant's scopes.
	accessScopes []string
	ttl          time.Duration
	extraClaims  map[string]any
}

// issueTokens mints the access token of a grant and, as asked, a refresh
// token. The body carries exactly token_type, expires_in, access_token and
// refresh_token, as the Trackmania documentation shows: Scope and IDToken
// stay empty, so oauth.WriteToken leaves them out.
func (p *Provider) issueTokens(ctx context.Context, g store.Grant, c fixtures.Client, opt issueOptions) (*oauth.TokenResponse, error) {
	resp, _, err := p.issue(ctx, g, c, opt)
	return resp, err
}

// issue is issueTokens that also returns the access token's jti. The
// lifecycle stamps the access token (opt.stamp when the rotation already
// did); a refresh token that starts a family stamps the family.
func (p *Provider) issue(ctx context.Context, g store.Grant, c fixtures.Client, opt issueOptions) (_ *oauth.TokenResponse, _ string, err error) {
	now := p.now()
	var f lifecycle.Facts
	if opt.stamp != nil {
		f = *opt.stamp
	} else {
		ttl := opt.ttl
		if ttl <= 0 {
			ttl = p.accessTTL(c)
		}
		f = p.life.NewAccess(g.Username, c.ID, g.FamilyID, now.Add(ttl))
	}
	defer func() {
		if err != nil {
			p.life.Discard(f)
		}
	}()
	ttl := f.ExpiresAt.Sub(now)
	scopes := g.Scopes
	if opt.accessScopes != nil {
		scopes = opt.accessScopes
	}
	jti := opt.jti
	if jti == "" {
		if jti, err = p.newTokenJTI(f.JTI, g.FamilyID); err != nil {
			return nil, "", err
		}
	}
	a := access{ClientID: c.ID, Subject: g.Subject, Scopes: scopes, FamilyID: g.FamilyID, Expiry: f.ExpiresAt.Unix(), JTI: jti, Username: g.Username}
	token, err := p.mintAccess(ctx, a, p.deps.Clock.Now(), f.ExpiresAt.Sub(now), opt.extraClaims)
	if err != nil {
		return nil, "", err
	}
	resp := &oauth.TokenResponse{AccessToken: token, TokenType: tokenType, ExpiresIn: int64(ttl / time.Second)}
	switch {
	case opt.refreshToken != "":
		resp.RefreshToken = opt.refreshToken
	case opt.refresh:
		rt, err := p.deps.RandomToken()
		if err != nil {
			return nil, "", err
		}
		rec := store.RefreshRecord{Grant: withAccessJTI(g, jti), IssuedAt: now, ExpiresAt: now.Add(p.refreshTTL(c)), Access: []store.AccessStamp{f.Stamp()}}
		newFamily := g.Seq == 0 // a reissue joins its family, stamped already
		if newFamily {
			rec.Grant.Seq = p.life.NewFamily(g.Username, c.ID, rec.ExpiresAt)
		}
		if err := p.deps.Store.IssueRefresh(ctx, rt, rec); err != nil {
			if newFamily {
				p.life.Discard(lifecycle.RefreshFacts(rec))
			}
			return nil, "", err
		}
		resp.RefreshToken = rt
	}
	return resp, jti, nil
}

// mintAccess makes the access token itself: a random string whose grant is
// kept in the store (opaque), or a JWT signed as league signs its access
// tokens. at is the precise instant of issuance (lcobucci writes its
// microseconds), ttl the token's lifetime.
func (p *Provider) mintAccess(ctx context.Context, a access, at time.Time, ttl time.Duration, extra map[string]any) (string, error) {
	if p.keys == nil {
		token, err := p.deps.RandomToken()
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(a)
		if err != nil {
			return "", err
		}
		return token, p.deps.Store.PutRecord(ctx, accessKeyPrefix+accessID(token), b, time.Unix(a.Expiry, 0))
	}
	at = at.Truncate(time.Microsecond)
	scopes := a.Scopes
	if scopes == nil {
		scopes = []string{} // league always writes the array
	}
	claims := leagueClaims{
		Audience: a.ClientID, ID: a.JTI, Subject: a.Subject, Scopes: scopes,
		IssuedAt: leagueTime(at), NotBefore: leagueTime(at), ExpiresAt: leagueTime(at.Add(ttl)),
	}
	if len(extra) == 0 {
		return p.keys.SignWithType(accessTokenJWTType, claims)
	}
	// The standard claims win, so extras cannot forge sub, aud or exp.
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", err
	}
	return p.keys.SignWithType(accessTokenJWTType, merged)
}

// accessKeyPrefix begins the store key of an opaque access token's record.
const accessKeyPrefix = "at:"

// accessID names an opaque access token: the hex SHA-256 of the token, so
// that the store holds no usable token. The store keeps the token's record
// under accessKeyPrefix+accessID.
func accessID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// verifyAccess checks a presented access token (known, or validly signed
// with the algorithm pinned; unexpired by the instance clock), then asks the
// lifecycle whether it still works.
func (p *Provider) verifyAccess(ctx context.Context, token string) (access, error) {
	if len(token) > maxTokenLen {
		return access{}, oauth.InvalidToken("the access token is invalid")
	}
	var a access
	if p.keys == nil {
		b, err := p.deps.Store.GetRecord(ctx, accessKeyPrefix+accessID(token))
		switch {
		case errors.Is(err, store.ErrExpired):
			return access{}, errAccessExpired()
		case errors.Is(err, store.ErrNotFound):
			return access{}, oauth.InvalidToken("the access token is invalid")
		case err != nil:
			return access{}, err
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return access{}, err
		}
	} else {
		// The signature, typ and shape first, as of the token's own iat:
		// another instance's token signed with the same key is invalid
		// here, expired or not. league's tokens carry no iss to tell.
		claims, err := p.jwtClaims(token)
		if err != nil {
			return access{}, oauth.InvalidToken("the access token is invalid").WithCause(err)
		}
		if !p.ownJTI(claims.ID) || claims.clientID() == "" || claims.ExpiresAt == nil {
			return access{}, oauth.InvalidToken("the access token is invalid")
		}
		now := p.deps.Clock.Now()
		if claims.NotBefore != nil && now.Before(claims.NotBefore.Time) {
			return access{}, oauth.InvalidToken("the access token is invalid")
		}
		if !now.Before(claims.ExpiresAt.Time) {
			return access{}, errAccessExpired()
		}
		a = p.jwtAccess(claims)
	}
	f, ok := p.accessFacts(a)
	if !ok {
		return access{}, oauth.InvalidToken("the access token is invalid")
	}
	switch st, err := p.life.Check(ctx, f); {
	case err != nil:
		return access{}, err
	case st == lifecycle.Revoked:
		return access{}, errAccessRevoked()
	case st == lifecycle.Expired:
		return access{}, errAccessExpired()
	}
	return a, nil
}

// jwtAccess reads what a verified JWT access token grants: the client is
// its aud, the user its sub (the accountId), the grant the family the jti
// carries (a user's token always has one).
func (p *Provider) jwtAccess(claims *jwtClaims) access {
	a := access{ClientID: claims.clientID(), Scopes: claims.Scopes, JTI: claims.ID, Subject: claims.Subject}
	if claims.ExpiresAt != nil {
		a.Expiry = claims.ExpiresAt.Unix()
	}
	if _, family, ok := splitJTI(claims.ID, a.Subject != ""); ok {
		a.FamilyID = family
	}
	if u, ok := p.dir.UserBySubject(a.Subject); ok && a.Subject != "" {
		a.Username = u.Username
	}
	return a
}

// accessFacts are the lifecycle's facts of an access token, named by the
// first 32 characters of its jti.
func (p *Provider) accessFacts(a access) (lifecycle.Facts, bool) {
	life, _, ok := splitJTI(a.JTI, false)
	if !ok || a.ClientID == "" {
		return lifecycle.Facts{}, false
	}
	return p.life.AccessFacts(life, a.Username, a.ClientID, a.FamilyID, time.Unix(a.Expiry, 0))
}

// errAccessRevoked and errAccessExpired are the resource routes' errors for
// a revoked and an expired access token, whoever revoked or expired it.
func errAccessRevoked() error { return oauth.InvalidToken("the access token has been revoked") }
func errAccessExpired() error { return oauth.AccessTokenExpired("the access token expired") }
