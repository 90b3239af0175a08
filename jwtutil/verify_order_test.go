package jwtutil

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An expired token that is also the wrong token (another issuer, another
// audience, another kind) is reported as the wrong token, never as expired:
// instances sharing a key would otherwise answer another instance's token
// with "expired", inviting a refresh that cannot work.
func TestVerifyJudgesIdentityBeforeTime(t *testing.T) {
	s := newSet(t, demoKey(t, RS256))
	expired := func(edit func(c *jwt.RegisteredClaims)) *jwt.RegisteredClaims {
		c := validClaims()
		c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-time.Hour))
		c.IssuedAt = jwt.NewNumericDate(testNow.Add(-2 * time.Hour))
		edit(c)
		return c
	}
	tests := []struct {
		name     string
		typ      string
		claims   *jwt.RegisteredClaims
		opts     func(o *VerifyOptions)
		wantErr  error
		notWant  error
		wantText string
	}{
		{name: "expired, other issuer", claims: expired(func(c *jwt.RegisteredClaims) { c.Issuer = "https://other.example" }),
			wantErr: jwt.ErrTokenInvalidIssuer, notWant: jwt.ErrTokenExpired,
			wantText: `jwtutil: verify: token has invalid claims: token has invalid issuer: iss "https://other.example", want "https://issuer.example"`},
		{name: "expired, no issuer", claims: expired(func(c *jwt.RegisteredClaims) { c.Issuer = "" }),
			wantErr: jwt.ErrTokenRequiredClaimMissing, notWant: jwt.ErrTokenExpired},
		{name: "expired, other audience", claims: expired(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"other"} }),
			wantErr: jwt.ErrTokenInvalidAudience, notWant: jwt.ErrTokenExpired},
		{name: "expired, other type", typ: "JWT", claims: expired(func(*jwt.RegisteredClaims) {}),
			opts: func(o *VerifyOptions) { o.Type = "at+jwt" }, wantErr: ErrWrongType, notWant: jwt.ErrTokenExpired},
		{name: "not yet valid, other issuer", claims: func() *jwt.RegisteredClaims {
			c := validClaims()
			c.NotBefore = jwt.NewNumericDate(testNow.Add(time.Hour))
			c.Issuer = "https://other.example"
			return c
		}(), wantErr: jwt.ErrTokenInvalidIssuer, notWant: jwt.ErrTokenNotValidYet},
		{name: "expired, right token", claims: expired(func(*jwt.RegisteredClaims) {}), wantErr: jwt.ErrTokenExpired},
		{name: "expired, right type", typ: "at+jwt", claims: expired(func(*jwt.RegisteredClaims) {}),
			opts: func(o *VerifyOptions) { o.Type = "at+jwt" }, wantErr: jwt.ErrTokenExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := tc.typ
			if typ == "" {
				typ = "JWT"
			}
			tok, err := s.SignWithType(typ, tc.claims)
			require.NoError(t, err)
			opts := verifyOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			got, err := s.Verify(tok, nil, opts)
			assert.Nil(t, got)
			require.ErrorIs(t, err, tc.wantErr)
			require.ErrorIs(t, err, jwt.ErrTokenInvalidClaims)
			if tc.notWant != nil {
				assert.NotErrorIs(t, err, tc.notWant)
			}
			if tc.wantText != "" {
				assert.EqualError(t, err, tc.wantText)
			}
		})
	}
}
