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
	"github.com/authmock/authmock/internal/ledger"
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

// access is what an access token grants, whatever its format.
type access struct {
	ClientID string   `json:"client_id"`
	Subject  string   `json:"sub,omitempty"` // accountId; empty for client credentials
	Scopes   []string `json:"scopes,omitempty"`
	FamilyID string   `json:"sid,omitempty"`
	Expiry   int64    `json:"exp"`
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
	// refreshToken is a successor already stored by rotation, expiring at
	// refreshExpiry.
	refreshToken  string
	refreshExpiry time.Time
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

// issue is issueTokens that also returns the access token's ledger id.
// Every token goes into the ledger before it leaves, so an admin call can
// find whatever a client holds.
func (p *Provider) issue(ctx context.Context, g store.Grant, c fixtures.Client, opt issueOptions) (*oauth.TokenResponse, string, error) {
	now := p.now()
	ttl := opt.ttl
	if ttl <= 0 {
		ttl = p.accessTTL(c)
	}
	p.noteAccessTTL(ttl)
	scopes := g.Scopes
	if opt.accessScopes != nil {
		scopes = opt.accessScopes
	}
	a := access{ClientID: c.ID, Subject: g.Subject, Scopes: scopes, FamilyID: g.FamilyID, Expiry: now.Add(ttl).Unix()}
	token, id, err := p.mintAccess(ctx, a, now, opt.extraClaims)
	if err != nil {
		return nil, "", err
	}
	entry := ledger.Entry{Kind: ledger.Access, ID: id, Username: g.Username, ClientID: c.ID, ExpiresAt: time.Unix(a.Expiry, 0)}
	if err := p.ledger.Record(ctx, entry); err != nil {
		return nil, "", err
	}
	resp := &oauth.TokenResponse{AccessToken: token, TokenType: tokenType, ExpiresIn: int64(ttl / time.Second)}
	refreshExpiry := opt.refreshExpiry
	switch {
	case opt.refreshToken != "":
		resp.RefreshToken = opt.refreshToken
	case opt.refresh:
		rt, err := p.deps.RandomToken()
		if err != nil {
			return nil, "", err
		}
		rec := store.RefreshRecord{Grant: g, IssuedAt: now, ExpiresAt: now.Add(p.refreshTTL(c))}
		if err := p.deps.Store.IssueRefresh(ctx, rt, rec); err != nil {
			return nil, "", err
		}
		resp.RefreshToken, refreshExpiry = rt, rec.ExpiresAt
	}
	if resp.RefreshToken != "" {
		// A refresh token is named by its family, the login it belongs
		// to; recording it again on rotation moves the entry's expiry on.
		entry := ledger.Entry{Kind: ledger.Refresh, ID: g.FamilyID, Username: g.Username, ClientID: c.ID, ExpiresAt: refreshExpiry}
		if err := p.ledger.Record(ctx, entry); err != nil {
			return nil, "", err
		}
	}
	return resp, id, nil
}

// mintAccess makes the access token itself: a random string whose grant is
// kept in the store (opaque), or a signed JWT carrying it. It also returns
// the token's ledger id: the hash an opaque token is stored under, or the
// JWT's jti.
func (p *Provider) mintAccess(ctx context.Context, a access, now time.Time, extra map[string]any) (token, id string, err error) {
	if p.keys == nil {
		token, err := p.deps.RandomToken()
		if err != nil {
			return "", "", err
		}
		b, err := json.Marshal(a)
		if err != nil {
			return "", "", err
		}
		id := accessID(token)
		return token, id, p.deps.Store.PutRecord(ctx, accessKeyPrefix+id, b, time.Unix(a.Expiry, 0))
	}
	jti, err := p.deps.RandomHex(16)
	if err != nil {
		return "", "", err
	}
	sub := a.Subject
	if sub == "" {
		sub = a.ClientID // client credentials: the client acts for itself
	}
	claims := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: p.deps.Issuer, Subject: sub, Audience: jwt.ClaimStrings{a.ClientID},
			ExpiresAt: jwt.NewNumericDate(time.Unix(a.Expiry, 0)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now), ID: jti,
		},
		ClientID: a.ClientID, Scope: oauth.FormatScope(a.Scopes), SID: a.FamilyID,
	}
	if len(extra) == 0 {
		token, err = p.keys.SignWithType(accessTokenJWTType, claims)
		return token, jti, err
	}
	// The standard claims win, so extras cannot forge iss, sub or exp.
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", "", err
	}
	token, err = p.keys.SignWithType(accessTokenJWTType, merged)
	return token, jti, err
}

// accessKeyPrefix begins the store key of an opaque access token's record.
const accessKeyPrefix = "at:"

// accessID names an opaque access token: the hex SHA-256 of the token, so
// that neither the store nor the ledger holds a usable token. The store
// keeps the token's record under accessKeyPrefix+accessID.
func accessID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// verifyAccess checks a presented access token: known (or validly signed,
// with the algorithm pinned), unexpired by the instance clock, its grant
// not revoked, and not revoked or expired through the admin API.
func (p *Provider) verifyAccess(ctx context.Context, token string) (access, error) {
	if len(token) > maxTokenLen {
		return access{}, oauth.InvalidToken("the access token is invalid")
	}
	var (
		a  access
		id string // the ledger's name for the token
	)
	if p.keys == nil {
		id = accessID(token)
		b, err := p.deps.Store.GetRecord(ctx, accessKeyPrefix+id)
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
		if !p.deps.Clock.Now().Before(time.Unix(a.Expiry, 0)) {
			return access{}, errAccessExpired()
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
		a = access{ClientID: claims.ClientID, Scopes: oauth.ParseScope(claims.Scope), FamilyID: claims.SID, Expiry: claims.ExpiresAt.Unix()}
		if claims.Subject != claims.ClientID {
			a.Subject = claims.Subject
		}
		id = claims.ID
	}
	if a.FamilyID != "" { // client credentials have no grant to revoke
		revoked, err := p.deps.Store.Revoked(ctx, "sid:"+a.FamilyID)
		if err != nil {
			return access{}, err
		}
		if revoked {
			return access{}, errAccessRevoked()
		}
	}
	if id == "" {
		return a, nil // every JWT this instance signs has a jti; no other is in the ledger
	}
	switch st, err := p.ledger.Status(ctx, ledger.Access, id); {
	case err != nil:
		return access{}, err
	case st == ledger.Revoked:
		return access{}, errAccessRevoked()
	case st == ledger.Expired:
		return access{}, errAccessExpired()
	}
	return a, nil
}

// errAccessRevoked and errAccessExpired are the resource routes' errors for
// a revoked and an expired access token, whoever revoked or expired it.
func errAccessRevoked() error { return oauth.InvalidToken("the access token has been revoked") }
func errAccessExpired() error { return oauth.InvalidToken("the access token expired") }

// revokeGrant revokes a grant's refresh-token family and every access
// token issued under it (a replayed code, a reused refresh token).
func (p *Provider) revokeGrant(ctx context.Context, familyID string) error {
	if familyID == "" {
		return nil
	}
	if err := p.deps.Store.RevokeFamily(ctx, familyID); err != nil {
		return err
	}
	return p.deps.Store.Revoke(ctx, "sid:"+familyID, p.now().Add(p.maxAccessTTL()))
}

// maxAccessTTL is how long a grant's revocation must be remembered: the
// longest lifetime of any access token issued, or a revoked token would
// come back to life when its revocation is forgotten.
func (p *Provider) maxAccessTTL() time.Duration {
	return max(p.cfg.AccessTokenTTL.D(), time.Duration(p.longestAccessTTL.Load()))
}

func (p *Provider) noteAccessTTL(ttl time.Duration) {
	for {
		cur := p.longestAccessTTL.Load()
		if int64(ttl) <= cur || p.longestAccessTTL.CompareAndSwap(cur, int64(ttl)) {
			return
		}
	}
}
