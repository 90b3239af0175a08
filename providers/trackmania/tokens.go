package trackmania

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// tokenType is the token_type of every token response, lowercase as the
// Trackmania documentation shows it.
const tokenType = "bearer"

// accessTokenJWTType is the JWT "typ" of access tokens in jwt mode
// (RFC 9068 §2.1).
const accessTokenJWTType = "at+jwt"

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
	// JTI is the lifecycle's stamp, a JWT's jti; Username names the user
	// in it (kept in an opaque token's record).
	JTI      string `json:"jti"`
	Username string `json:"username,omitempty"`
}

// jwtClaims are an access token's claims in jwt mode.
type jwtClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	SID      string `json:"sid,omitempty"`
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
	a := access{ClientID: c.ID, Subject: g.Subject, Scopes: scopes, FamilyID: g.FamilyID, Expiry: f.ExpiresAt.Unix(), JTI: f.JTI, Username: g.Username}
	token, err := p.mintAccess(ctx, a, now, opt.extraClaims)
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
		rec := store.RefreshRecord{Grant: g, IssuedAt: now, ExpiresAt: now.Add(p.refreshTTL(c)), Access: []store.AccessStamp{f.Stamp()}}
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
	return resp, f.JTI, nil
}

// mintAccess makes the access token itself: a random string whose grant is
// kept in the store (opaque), or a signed JWT carrying it.
func (p *Provider) mintAccess(ctx context.Context, a access, now time.Time, extra map[string]any) (string, error) {
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
	sub := a.Subject
	if sub == "" {
		sub = a.ClientID // client credentials: the client acts for itself
	}
	claims := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: p.deps.Issuer, Subject: sub, Audience: jwt.ClaimStrings{a.ClientID},
			ExpiresAt: jwt.NewNumericDate(time.Unix(a.Expiry, 0)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now), ID: a.JTI,
		},
		ClientID: a.ClientID, Scope: oauth.FormatScope(a.Scopes), SID: a.FamilyID,
	}
	if len(extra) == 0 {
		return p.keys.SignWithType(accessTokenJWTType, claims)
	}
	// The standard claims win, so extras cannot forge iss, sub or exp.
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
		claims := &jwtClaims{}
		parsed, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: accessTokenJWTType})
		switch {
		case errors.Is(err, jwtutil.ErrWrongType):
			return access{}, oauth.InvalidToken("the token is not an access token").WithCause(err)
		case errors.Is(err, jwt.ErrTokenExpired):
			return access{}, oauth.InvalidToken("the access token expired").WithCause(err)
		case err != nil:
			return access{}, oauth.InvalidToken("the access token is invalid").WithCause(err)
		}
		if typ, _ := parsed.Header["typ"].(string); typ != accessTokenJWTType {
			return access{}, oauth.InvalidToken("the token is not an access token")
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

// jwtAccess reads what a verified JWT access token grants.
func (p *Provider) jwtAccess(claims *jwtClaims) access {
	a := access{ClientID: claims.ClientID, Scopes: oauth.ParseScope(claims.Scope), FamilyID: claims.SID, JTI: claims.ID}
	if claims.ExpiresAt != nil {
		a.Expiry = claims.ExpiresAt.Unix()
	}
	if claims.Subject != claims.ClientID {
		a.Subject = claims.Subject
		if u, ok := p.dir.UserBySubject(a.Subject); ok {
			a.Username = u.Username
		}
	}
	return a
}

// accessFacts are the lifecycle's facts of an access token.
func (p *Provider) accessFacts(a access) (lifecycle.Facts, bool) {
	return p.life.AccessFacts(a.JTI, a.Username, a.ClientID, a.FamilyID, time.Unix(a.Expiry, 0))
}

// errAccessRevoked and errAccessExpired are the resource routes' errors for
// a revoked and an expired access token, whoever revoked or expired it.
func errAccessRevoked() error { return oauth.InvalidToken("the access token has been revoked") }
func errAccessExpired() error { return oauth.InvalidToken("the access token expired") }
