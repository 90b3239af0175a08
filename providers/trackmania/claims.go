package trackmania

import (
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// leagueClaims are a JWT access token's claims exactly as
// league/oauth2-server 8.x writes them with lcobucci/jwt 4
// (AccessTokenTrait::convertToJWT): aud (the client id, one string), jti,
// iat, nbf, exp, sub (the account id; "" for client credentials) and
// scopes, in that order. Nothing else: no iss, no client_id, no scope.
type leagueClaims struct {
	Audience  string     `json:"aud"`
	ID        string     `json:"jti"`
	IssuedAt  leagueTime `json:"iat"`
	NotBefore leagueTime `json:"nbf"`
	ExpiresAt leagueTime `json:"exp"`
	Subject   string     `json:"sub"`
	Scopes    []string   `json:"scopes"`
}

// leagueTime is a NumericDate as lcobucci/jwt 4 writes it
// (MicrosecondBasedDateConversion): seconds with a microsecond fraction, or
// a plain integer when the microseconds are zero. PHP prints the float in
// its shortest form, as strconv's -1 precision does.
type leagueTime time.Time

func (t leagueTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.Nanosecond()/1000 == 0 {
		return strconv.AppendInt(nil, tt.Unix(), 10), nil
	}
	f := float64(tt.Unix()) + float64(tt.Nanosecond()/1000)/1e6
	return strconv.AppendFloat(nil, f, 'f', -1, 64), nil
}

func (t leagueTime) numeric() *jwt.NumericDate { return jwt.NewNumericDate(time.Time(t)) }

// jwt.Claims, for signing.
func (c leagueClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return c.ExpiresAt.numeric(), nil
}
func (c leagueClaims) GetIssuedAt() (*jwt.NumericDate, error)  { return c.IssuedAt.numeric(), nil }
func (c leagueClaims) GetNotBefore() (*jwt.NumericDate, error) { return c.NotBefore.numeric(), nil }
func (c leagueClaims) GetIssuer() (string, error)              { return "", nil }
func (c leagueClaims) GetSubject() (string, error)             { return c.Subject, nil }
func (c leagueClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// jwtClaims are a JWT access token's claims as verification reads them:
// golang-jwt's NumericDate takes the fractions, and ClaimStrings the
// one-string aud.
type jwtClaims struct {
	jwt.RegisteredClaims
	Scopes []string `json:"scopes"`
}

// clientID is the client the token was issued to: league names it in aud
// alone.
func (c *jwtClaims) clientID() string {
	if len(c.Audience) != 1 {
		return ""
	}
	return c.Audience[0]
}
