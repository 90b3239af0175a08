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
	// refreshToken is a successor already stored by rotation.
	refreshToken string
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
	token, err := p.mintAccess(ctx, a, now, opt.extraClaims)
	if err != nil {
		return nil, err
	}
	resp := &oauth.TokenResponse{AccessToken: token, TokenType: tokenType, ExpiresIn: int64(ttl / time.Second)}
	switch {
	case opt.refreshToken != "":
		resp.RefreshToken = opt.refreshToken
	case opt.refresh:
		rt, err := p.deps.RandomToken()
		if err != nil {
			return nil, err
		}
		rec := store.RefreshRecord{Grant: g, IssuedAt: now, ExpiresAt: now.Add(p.refreshTTL(c))}
		if err := p.deps.Store.IssueRefresh(ctx, rt, rec); err != nil {
			return nil, err
		}
		resp.RefreshToken = rt
	}
	return resp, nil
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
		return token, p.deps.Store.PutRecord(ctx, accessKey(token), b, time.Unix(a.Expiry, 0))
	}
	jti, err := p.deps.RandomHex(16)
	if err != nil {
		return "", err
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
		return p.keys.SignWithType(accessTokenJWTType, claims)
	}
	// The standard claims win, so extras cannot forge iss, sub or exp.
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", err
	}
	return p.keys.SignWithType(accessTokenJWTType, merged)
}

// accessKey is the store key of an opaque access token: its hash, so the
// store never holds a usable token.
func accessKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "at:" + hex.EncodeToString(sum[:])
}

// verifyAccess checks a presented access token: known (or validly signed,
// with the algorithm pinned), unexpired by the instance clock, and its
// grant not revoked.
func (p *Provider) verifyAccess(ctx context.Context, token string) (access, error) {
	if len(token) > maxTokenLen {
		return access{}, oauth.InvalidToken("the access token is invalid")
	}
	var a access
	if p.keys == nil {
		b, err := p.deps.Store.GetRecord(ctx, accessKey(token))
		switch {
		case errors.Is(err, store.ErrExpired):
			return access{}, oauth.InvalidToken("the access token expired")
		case errors.Is(err, store.ErrNotFound):
			return access{}, oauth.InvalidToken("the access token is invalid")
		case err != nil:
			return access{}, err
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return access{}, err
		}
		if !p.deps.Clock.Now().Before(time.Unix(a.Expiry, 0)) {
			return access{}, oauth.InvalidToken("the access token expired")
		}
	} else {
		claims := &jwtClaims{}
		parsed, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer})
		switch {
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
	}
	if a.FamilyID == "" {
		return a, nil // client credentials: no grant to revoke
	}
	revoked, err := p.deps.Store.Revoked(ctx, "sid:"+a.FamilyID)
	if err != nil {
		return access{}, err
	}
	if revoked {
		return access{}, oauth.InvalidToken("the access token has been revoked")
	}
	return a, nil
}

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
