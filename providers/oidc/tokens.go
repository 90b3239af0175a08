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
	"github.com/authmock/authmock/internal/lifecycle"
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
	Cnf      *confirmation    `json:"cnf,omitempty"` // DPoP-bound (dpop.go)
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
	// at refreshExpiresAt (zero: never); access is the access token stamped
	// for it before the rotation, whose stamp the family already holds.
	refreshToken     string
	refreshExpiresAt time.Time
	access           *lifecycle.Facts
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
// and a refresh token (a new family in the store, holding the access
// token's stamp). A self-contained access token writes nothing: the
// lifecycle stamps it. A failed issuance takes its stamps back.
func (p *Provider) issueTokens(ctx context.Context, g store.Grant, c fixtures.Client, opt issueOptions) (out issued, err error) {
	now := p.now()
	g, opt, tokenType := p.bindDPoP(ctx, g, c, opt)
	var af lifecycle.Facts
	if opt.access != nil {
		af = *opt.access
	} else {
		ttl := opt.ttl
		if ttl <= 0 {
			ttl = p.accessTTL(c)
		}
		af = p.life.NewAccess(g.Username, c.ID, g.FamilyID, now.Add(ttl))
	}
	defer func() {
		if err != nil {
			p.life.Discard(af)
		}
	}()
	ttl := af.ExpiresAt.Sub(now)
	access, err := p.signAccessToken(g, c, af.JTI, now, ttl, opt.extraClaims)
	if err != nil {
		return issued{}, err
	}
	resp := &oauth.TokenResponse{
		AccessToken: access,
		TokenType:   tokenType,
		ExpiresIn:   int64(ttl / time.Second),
		Scope:       oauth.FormatScope(g.Scopes),
	}
	switch {
	case opt.refreshToken != "":
		resp.RefreshToken = opt.refreshToken
	case opt.refresh:
		if resp.RefreshToken, err = p.newFamily(ctx, g, c, af, now); err != nil {
			return issued{}, err
		}
	}
	if opt.idToken && g.Subject != "" && slices.Contains(g.Scopes, "openid") {
		if resp.IDToken, err = p.signIDToken(g, c, access, now); err != nil {
			return issued{}, err
		}
	}
	return issued{resp, af.JTI}, nil
}

// newFamily stores the first refresh token of a grant, with the stamp of
// the access token issued beside it.
func (p *Provider) newFamily(ctx context.Context, g store.Grant, c fixtures.Client, af lifecycle.Facts, now time.Time) (string, error) {
	rt, err := p.deps.RandomToken()
	if err != nil {
		return "", err
	}
	rec := store.RefreshRecord{Grant: g, IssuedAt: now, Access: []store.AccessStamp{af.Stamp()}}
	if d := p.refreshTTL(c); d > 0 {
		rec.ExpiresAt = now.Add(d)
	}
	rec.Grant.Seq = p.life.NewFamily(g.Username, c.ID, rec.ExpiresAt)
	if err := p.deps.Store.IssueRefresh(ctx, rt, rec); err != nil {
		p.life.Discard(lifecycle.RefreshFacts(rec))
		return "", err
	}
	return rt, nil
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
	// One allocation for the dates; iat and nbf are the same instant.
	dates := [2]jwt.NumericDate{*jwt.NewNumericDate(now.Add(ttl)), *jwt.NewNumericDate(now)}
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    p.deps.Issuer,
			Subject:   sub,
			Audience:  p.audience(c),
			ExpiresAt: &dates[0],
			IssuedAt:  &dates[1],
			NotBefore: &dates[1],
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
		return p.keys.SignWithType(accessTokenType, accessPayload(claims))
	}
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", err
	}
	return p.keys.SignWithType(accessTokenType, merged)
}

func (p *Provider) signIDToken(g store.Grant, c fixtures.Client, accessToken string, now time.Time) (string, error) {
	ttl := p.idTokenTTL(c)
	p.life.NoteLifetime(ttl)
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
