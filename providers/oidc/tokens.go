package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"maps"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/ledger"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// accessTokenType is the JWT "typ" of access tokens (RFC 9068 §2.1); it
// keeps an ID token from being accepted as an access token.
const accessTokenType = "at+jwt"

// accessClaims are the claims of an access token (RFC 9068 §2.2). sid names
// the grant (the refresh-token family), so that revoking a grant revokes its
// access tokens too.
type accessClaims struct {
	jwt.RegisteredClaims
	ClientID string           `json:"client_id"`
	Scope    string           `json:"scope,omitempty"`
	SID      string           `json:"sid,omitempty"`
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
}

func (p *Provider) now() time.Time { return p.deps.Clock.Now().Truncate(time.Second) }

// lifetimes returns the client's token lifetimes, falling back to the
// instance's.
func (p *Provider) accessTTL(c fixtures.Client) time.Duration {
	return c.AccessTokenTTL.Or(p.cfg.AccessTokenTTL)
}

func (p *Provider) refreshTTL(c fixtures.Client) time.Duration {
	return c.RefreshTokenTTL.Or(p.cfg.RefreshTokenTTL)
}

func (p *Provider) idTokenTTL(c fixtures.Client) time.Duration {
	return c.IDTokenTTL.Or(p.cfg.IDTokenTTL)
}

// issueOptions say which tokens to add beside the access token.
type issueOptions struct {
	refresh bool
	// refreshToken reuses a token already stored by rotation, which expires
	// at refreshExpiresAt (zero: never).
	refreshToken     string
	refreshExpiresAt time.Time
	idToken          bool
	extraClaims      map[string]any
	ttl              time.Duration
}

// issued is a token response and the jti of its access token.
type issued struct {
	*oauth.TokenResponse
	jti string
}

// issueTokens mints the access token of a grant and, as asked, an ID token
// and a refresh token (stored as a new family member), and records the
// access and refresh tokens in the ledger. Nothing is recorded unless every
// token was issued, so a failed request leaves no entry behind.
func (p *Provider) issueTokens(ctx context.Context, g store.Grant, c fixtures.Client, opt issueOptions) (issued, error) {
	now := p.now()
	ttl := opt.ttl
	if ttl <= 0 {
		ttl = p.accessTTL(c)
	}
	p.noteAccessTTL(ttl)
	jti, err := p.deps.RandomHex(16)
	if err != nil {
		return issued{}, err
	}
	access, err := p.signAccessToken(g, c, jti, now, ttl, opt.extraClaims)
	if err != nil {
		return issued{}, err
	}
	resp := &oauth.TokenResponse{
		AccessToken: access,
		TokenType:   "Bearer",
		ExpiresIn:   int64(ttl / time.Second),
		Scope:       oauth.FormatScope(g.Scopes),
	}
	refreshExpiresAt := opt.refreshExpiresAt
	switch {
	case opt.refreshToken != "":
		resp.RefreshToken = opt.refreshToken
	case opt.refresh:
		rt, err := p.deps.RandomToken()
		if err != nil {
			return issued{}, err
		}
		rec := store.RefreshRecord{Grant: g, IssuedAt: now}
		if d := p.refreshTTL(c); d > 0 {
			rec.ExpiresAt = now.Add(d)
		}
		if err := p.deps.Store.IssueRefresh(ctx, rt, rec); err != nil {
			return issued{}, err
		}
		resp.RefreshToken, refreshExpiresAt = rt, rec.ExpiresAt
	}
	if opt.idToken && g.Subject != "" && slices.Contains(g.Scopes, "openid") {
		if resp.IDToken, err = p.signIDToken(g, c, access, now); err != nil {
			return issued{}, err
		}
	}
	if err := p.recordAccess(ctx, g, ledger.Entry{Kind: ledger.Access, ID: jti, Username: g.Username, ClientID: c.ID, ExpiresAt: now.Add(ttl)}); err != nil {
		return issued{}, err
	}
	if resp.RefreshToken != "" {
		// One entry per family, recorded again on every rotation so that
		// its expiry follows the newest token's.
		e := ledger.Entry{Kind: ledger.Refresh, ID: g.FamilyID, Username: g.Username, ClientID: c.ID, ExpiresAt: refreshExpiresAt}
		if err := p.ledger.Record(ctx, e); err != nil {
			return issued{}, err
		}
	}
	return issued{resp, jti}, nil
}

func (p *Provider) audience(c fixtures.Client) jwt.ClaimStrings {
	if p.cfg.AccessTokenAudience != "" {
		return jwt.ClaimStrings{p.cfg.AccessTokenAudience}
	}
	return jwt.ClaimStrings{c.ID}
}

func (p *Provider) signAccessToken(g store.Grant, c fixtures.Client, jti string, now time.Time, ttl time.Duration, extra map[string]any) (string, error) {
	sub := g.Subject
	if sub == "" {
		sub = c.ID // client_credentials: the client acts for itself (RFC 9068 §2.2)
	}
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    p.deps.Issuer,
			Subject:   sub,
			Audience:  p.audience(c),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ID:        jti,
		},
		ClientID: c.ID,
		Scope:    oauth.FormatScope(g.Scopes),
		SID:      g.FamilyID,
	}
	if !g.AuthTime.IsZero() {
		claims.AuthTime = jwt.NewNumericDate(g.AuthTime)
	}
	if len(extra) == 0 {
		return p.keys.SignWithType(accessTokenType, claims)
	}
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", err
	}
	return p.keys.SignWithType(accessTokenType, merged)
}

func (p *Provider) signIDToken(g store.Grant, c fixtures.Client, accessToken string, now time.Time) (string, error) {
	ttl := p.idTokenTTL(c)
	claims := jwt.MapClaims{}
	if u, ok := p.dir.UserBySubject(g.Subject); ok {
		maps.Copy(claims, userClaims(u, g.Scopes))
	}
	claims["iss"] = p.deps.Issuer
	claims["sub"] = g.Subject
	claims["aud"] = c.ID
	claims["azp"] = c.ID
	claims["exp"] = now.Add(ttl).Unix()
	claims["iat"] = now.Unix()
	claims["sid"] = g.FamilyID
	if !g.AuthTime.IsZero() {
		claims["auth_time"] = g.AuthTime.Unix()
	}
	if g.Nonce != "" {
		claims["nonce"] = g.Nonce
	}
	if accessToken != "" {
		claims["at_hash"] = tokenHash(p.keys.Active().Alg(), accessToken)
	}
	return p.keys.Sign(claims)
}

// tokenHash is the at_hash of OIDC Core §3.1.3.6: the left half of the hash
// the signing algorithm uses, base64url encoded. Ed25519 signs with SHA-512,
// which is what clients (oauth4webapi) expect for EdDSA.
func tokenHash(alg jwtutil.Algorithm, token string) string {
	var h hash.Hash
	if alg == jwtutil.EdDSA {
		h = sha512.New()
	} else {
		h = sha256.New()
	}
	h.Write([]byte(token))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// maxAccessTTL is how long a grant's revocation must be remembered: the
// longest lifetime of any access token this instance has issued (minted
// ones may exceed every configured lifetime, and a client may change after
// its tokens were issued), or a revoked token would come back to life when
// its revocation is forgotten.
func (p *Provider) maxAccessTTL() time.Duration {
	return max(p.cfg.AccessTokenTTL.D(), time.Duration(p.longestAccessTTL.Load()))
}

// noteAccessTTL records the lifetime of an access token being issued.
func (p *Provider) noteAccessTTL(ttl time.Duration) {
	for {
		cur := p.longestAccessTTL.Load()
		if int64(ttl) <= cur || p.longestAccessTTL.CompareAndSwap(cur, int64(ttl)) {
			return
		}
	}
}
