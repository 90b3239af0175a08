package dotypos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
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
	// Seq is the token's stamp on the lifecycle's issuance sequence.
	Seq       uint64    `json:"seq"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never
}

// facts are the lifecycle's facts of the refresh token with this id. A
// token is its own family: revoking it touches no access token.
func (g refreshGrant) facts(id string) lifecycle.Facts {
	return lifecycle.Facts{Kind: lifecycle.Refresh, Seq: g.Seq, Family: id, Username: g.Username, ClientID: g.ClientID, ExpiresAt: g.ExpiresAt}
}

// refreshTokenBytes makes 32 lowercase hex characters, the format a public
// client hard-codes (contract §A.3).
const refreshTokenBytes = 16

// refreshID names a refresh token in the ledger and in the store: a hash,
// so that neither keeps the token itself.
func refreshID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// refreshKey is the store record of the refresh token with this id.
func refreshKey(id string) string { return "rt:" + id }

func (p *Provider) now() time.Time { return p.deps.Clock.Now().Truncate(time.Second) }

// issueRefresh stores a new refresh token for g, stamped by the lifecycle.
func (p *Provider) issueRefresh(ctx context.Context, g refreshGrant, c fixtures.Client) (string, error) {
	token, err := p.deps.RandomHex(refreshTokenBytes)
	if err != nil {
		return "", err
	}
	g.IssuedAt = p.now()
	if ttl := c.RefreshTokenTTL.Or(p.cfg.RefreshTokenTTL); ttl > 0 {
		g.ExpiresAt = g.IssuedAt.Add(ttl)
	}
	g.Seq = p.life.NewFamily(g.Username, g.ClientID, g.ExpiresAt)
	b, err := json.Marshal(g)
	if err == nil {
		err = p.deps.Store.PutRecord(ctx, refreshKey(refreshID(token)), b, g.ExpiresAt)
	}
	if err != nil {
		p.life.Discard(g.facts(""))
		return "", err
	}
	return token, nil
}

// errUnknownRefresh means the token is not (or no longer) valid.
var errUnknownRefresh = errors.New("unknown, expired or revoked refresh token")

// lookupRefresh returns a stored token's grant and its id; a token of the
// wrong shape is not looked up at all. It does not consult the lifecycle:
// callers do, once the token is known to be one of the instance's.
func (p *Provider) lookupRefresh(ctx context.Context, token string) (refreshGrant, string, error) {
	if !validRefreshToken(token) {
		return refreshGrant{}, "", errUnknownRefresh
	}
	id := refreshID(token)
	b, err := p.deps.Store.GetRecord(ctx, refreshKey(id))
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return refreshGrant{}, "", errUnknownRefresh
	case err != nil:
		return refreshGrant{}, "", err
	}
	var g refreshGrant
	if err := json.Unmarshal(b, &g); err != nil {
		return refreshGrant{}, "", fmt.Errorf("decoding a refresh grant: %w", err)
	}
	return g, id, nil
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
// one sooner. It reports whether the token was live. It is Revoke with a
// token selector, limited to refresh tokens.
func (p *Provider) RevokeRefreshToken(ctx context.Context, token string) (bool, error) {
	if !validRefreshToken(token) {
		return false, nil
	}
	n, err := p.life.Revoke(ctx, provider.TokenSelector{Token: token})
	if errors.Is(err, provider.ErrUnknownToken) {
		return false, nil
	}
	return n.RefreshTokens > 0, err
}

// RevokeAccessToken makes the access token with this jti fail with 401
// INVALID_ACCESS_TOKEN from now until it would have expired anyway; a jti
// the instance did not issue (or whose token has expired) is
// provider.ErrUnknownToken. It is Revoke with a jti selector.
func (p *Provider) RevokeAccessToken(ctx context.Context, jti string) error {
	if jti == "" {
		return errors.New("an access token id (jti) is required")
	}
	_, err := p.life.Revoke(ctx, provider.TokenSelector{JTI: jti})
	return err
}

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

// signAccess mints an access token for a grant, bound to cloudID (0: none),
// with the lifecycle's stamp as its jti.
func (p *Provider) signAccess(g refreshGrant, cloudID int64, ttl time.Duration, extra map[string]any) (token, jti string, err error) {
	now := p.now()
	exp := jwt.NewNumericDate(now.Add(ttl)) // what the token says, to the second
	f := p.life.NewAccess(g.Username, g.ClientID, "", exp.Time)
	defer func() {
		if err != nil {
			p.life.Discard(f)
		}
	}()
	jti = f.JTI
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    p.deps.Issuer,
			Subject:   g.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: exp,
			ID:        jti,
		},
		CloudID:  cloudID,
		ClientID: g.ClientID,
		Clouds:   slices.Clone(g.Clouds),
	}
	var signed jwt.Claims = claims
	if len(extra) > 0 {
		// The token's own claims win, so extras cannot forge iss, exp or the
		// cloud binding.
		if signed, err = jwtutil.MergeClaims(claims, extra); err != nil {
			return "", "", err
		}
	}
	token, err = p.keys.SignWithType(accessTokenType, signed)
	return token, jti, err
}

// accessTTL is the client's access-token lifetime, or the instance's.
func (p *Provider) accessTTL(c fixtures.Client) time.Duration {
	return c.AccessTokenTTL.Or(p.cfg.AccessTokenTTL)
}
