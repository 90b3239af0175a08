package dotypos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// refreshGrant is what a refresh token is bound to, kept as a store record
// under refreshKey(token). The token is opaque to clients and never
// rotates: the same one is presented for every exchange (contract §A.3).
type refreshGrant struct {
	ClientID string    `json:"client_id"`
	Username string    `json:"username"`
	Subject  string    `json:"subject"`
	Clouds   []int64   `json:"clouds"` // the clouds this token may sign in to
	IssuedAt time.Time `json:"issued_at"`
}

// refreshTokenBytes makes 32 lowercase hex characters, the format a public
// client hard-codes (contract §A.3).
const refreshTokenBytes = 16

func refreshKey(token string) string { return "rt:" + token }

func (p *Provider) now() time.Time { return p.deps.Clock.Now().Truncate(time.Second) }

// issueRefresh stores a new refresh token for g.
func (p *Provider) issueRefresh(ctx context.Context, g refreshGrant, c fixtures.Client) (string, error) {
	token, err := p.deps.RandomHex(refreshTokenBytes)
	if err != nil {
		return "", err
	}
	g.IssuedAt = p.now()
	b, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	var expires time.Time
	if ttl := c.RefreshTokenTTL.Or(p.cfg.RefreshTokenTTL); ttl > 0 {
		expires = g.IssuedAt.Add(ttl)
	}
	return token, p.deps.Store.PutRecord(ctx, refreshKey(token), b, expires)
}

// errUnknownRefresh means the token is not (or no longer) valid.
var errUnknownRefresh = errors.New("unknown, expired or revoked refresh token")

// lookupRefresh returns a live token's grant; a token of the wrong shape is
// not looked up at all.
func (p *Provider) lookupRefresh(ctx context.Context, token string) (refreshGrant, error) {
	if !validRefreshToken(token) {
		return refreshGrant{}, errUnknownRefresh
	}
	b, err := p.deps.Store.GetRecord(ctx, refreshKey(token))
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return refreshGrant{}, errUnknownRefresh
	case err != nil:
		return refreshGrant{}, err
	}
	var g refreshGrant
	if err := json.Unmarshal(b, &g); err != nil {
		return refreshGrant{}, fmt.Errorf("decoding a refresh grant: %w", err)
	}
	return g, nil
}

func validRefreshToken(s string) bool {
	if len(s) != 2*refreshTokenBytes {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// RevokeRefreshToken revokes a refresh token, as a user disconnecting the
// application from a cloud would: later exchanges get 401
// INVALID_REFRESH_TOKEN. Access tokens already issued from it stay valid
// until they expire (they are self-contained JWTs); RevokeAccessToken ends
// one sooner. It reports whether the token was live.
func (p *Provider) RevokeRefreshToken(ctx context.Context, token string) (bool, error) {
	if !validRefreshToken(token) {
		return false, nil
	}
	found := false
	err := p.deps.Store.UpdateRecord(ctx, refreshKey(token), func(_ []byte, ok bool) ([]byte, time.Time, error) {
		found = ok
		return nil, time.Time{}, nil
	})
	return found, err
}

// RevokeAccessToken makes the access token with this jti fail with 401
// INVALID_ACCESS_TOKEN from now until it would have expired anyway.
func (p *Provider) RevokeAccessToken(ctx context.Context, jti string) error {
	if jti == "" {
		return errors.New("an access token id (jti) is required")
	}
	return p.deps.Store.Revoke(ctx, jtiKey(jti), p.now().Add(p.maxAccessTTL()))
}

func jtiKey(jti string) string { return "jti:" + jti }

// accessTokenType is the JWT "typ" of access tokens.
const accessTokenType = "JWT"

// accessClaims are the access token's claims. The real claim names are not
// public (contract §A.4): clients read only exp (and iat, iss, sub), so
// the private ones are this emulator's choice.
type accessClaims struct {
	jwt.RegisteredClaims
	// CloudID is the cloud the token opens; absent for a token that can
	// only list clouds.
	CloudID int64 `json:"cloudId,omitempty"`
	// ClientID is the client application.
	ClientID string `json:"clientId"`
	// Clouds are the clouds the refresh token grants, which GET /v2/clouds
	// lists.
	Clouds []int64 `json:"clouds"`
}

// signAccess mints an access token for a grant, bound to cloudID (0: none).
func (p *Provider) signAccess(g refreshGrant, cloudID int64, ttl time.Duration, extra map[string]any) (string, error) {
	jti, err := p.deps.RandomHex(16)
	if err != nil {
		return "", err
	}
	p.noteAccessTTL(ttl)
	now := p.now()
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    p.deps.Issuer,
			Subject:   g.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			ID:        jti,
		},
		CloudID:  cloudID,
		ClientID: g.ClientID,
		Clouds:   slices.Clone(g.Clouds),
	}
	if len(extra) == 0 {
		return p.keys.SignWithType(accessTokenType, claims)
	}
	// The token's own claims win, so extras cannot forge iss, exp or the
	// cloud binding.
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", err
	}
	return p.keys.SignWithType(accessTokenType, merged)
}

// accessTTL is the client's access-token lifetime, or the instance's.
func (p *Provider) accessTTL(c fixtures.Client) time.Duration {
	return c.AccessTokenTTL.Or(p.cfg.AccessTokenTTL)
}

// maxAccessTTL is how long a jti revocation must be remembered: the longest
// lifetime any access token of this instance was issued with.
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
