package fastapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/validate"
)

// Token formats.
const (
	FormatJWT    = "jwt"
	FormatOpaque = "opaque"
)

// Config is the fastapi dialect's configuration, the "config" object of a
// provider instance.
type Config struct {
	// Keys sign JWTs: the first signs, the others still verify. The default
	// is the builtin HS256 secret, as fastapi-users' JWTStrategy uses.
	Keys []fixtures.KeySpec `json:"keys"`
	// Users sign in with their email as username. Subject is the account id
	// ("sub", "id", the Postman client_id; derived from the email when
	// empty), Disabled means is_active false, and the booleans
	// claims.is_verified and claims.is_superuser are the other two flags.
	Users []fixtures.User `json:"users"`

	AccessTokenTTL fixtures.Duration `json:"access_token_ttl"`
	// RefreshTokenTTL of 0 means refresh tokens never expire, as in the
	// UniPoll code.
	RefreshTokenTTL fixtures.Duration `json:"refresh_token_ttl"`

	// TokenFormat is "jwt" (documented) or "opaque" (what the UniPoll code
	// issues: random URL-safe strings).
	TokenFormat string `json:"token_format"`
	// TokenType is the token_type of login and refresh answers: "bearer"
	// as documented, or "Bearer" as the UniPoll code answers.
	TokenType string `json:"token_type"`
	// RequiresVerification refuses unverified users at login with
	// LOGIN_USER_NOT_VERIFIED (fastapi-users' requires_verification).
	RequiresVerification bool `json:"requires_verification"`
	// RefreshRequiresAccessToken makes /auth/jwt/refresh demand
	// "Authorization: Bearer <the access token issued with the refresh
	// token>" too, as the UniPoll code does.
	RefreshRequiresAccessToken bool `json:"refresh_requires_access_token"`
	// RefreshNewestOnly accepts only the user's newest refresh token, as the
	// UniPoll code does: a login on a second device makes the first device's
	// refresh token count as reused, which logs the user out everywhere.
	RefreshNewestOnly bool `json:"refresh_newest_only"`
	// LogoutRevokes makes /auth/jwt/logout revoke the access token and its
	// refresh token. By default a JWT stays valid until it expires, as with
	// fastapi-users' JWTStrategy; opaque tokens are always revoked, as the
	// database strategy deletes them.
	LogoutRevokes bool `json:"logout_revokes"`
	// LoginClientID adds "client_id" (the account id) to login and refresh
	// answers, as the UniPoll code's LoginResponse does.
	LoginClientID bool `json:"login_client_id"`
}

func defaultConfig() Config {
	return Config{
		Keys:            []fixtures.KeySpec{{Builtin: "demo-hs256"}},
		AccessTokenTTL:  fixtures.Duration(time.Hour),
		RefreshTokenTTL: fixtures.Duration(7 * 24 * time.Hour),
		TokenFormat:     FormatJWT,
		TokenType:       "bearer",
	}
}

// parseConfig decodes raw over the defaults, validates the result and
// fills in derived account ids.
func parseConfig(raw json.RawMessage) (Config, fixtures.Problems) {
	cfg := defaultConfig()
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return cfg, ps
	}
	var ps fixtures.Problems
	if cfg.TokenFormat == FormatJWT {
		ps = keyload.CheckSpecs(cfg.Keys)
	}
	for i := range cfg.Users {
		if cfg.Users[i].Subject == "" {
			cfg.Users[i].Subject = deriveID(cfg.Users[i].Username)
		}
	}
	ps = append(ps, fixtures.ValidateUsers(cfg.Users)...)
	for i, u := range cfg.Users {
		ps.Merge(fixtures.Index("users", i), checkUser(u))
	}
	switch cfg.TokenFormat {
	case FormatJWT, FormatOpaque:
	default:
		ps.Add("token_format", "must be %q or %q", FormatJWT, FormatOpaque)
	}
	switch cfg.TokenType {
	case "bearer", "Bearer":
	default:
		ps.Add("token_type", `must be "bearer" (documented) or "Bearer" (the UniPoll code)`)
	}
	if cfg.AccessTokenTTL.D() < time.Second {
		ps.Add("access_token_ttl", "must be at least 1s")
	}
	if d := cfg.RefreshTokenTTL.D(); d != 0 && d < time.Second {
		ps.Add("refresh_token_ttl", "must be at least 1s (0 means refresh tokens never expire)")
	}
	return cfg, ps
}

// checkUser applies the dialect's own rules to one user, with paths
// relative to it: the configuration and the admin API's fixture editor
// share them.
func checkUser(u fixtures.User) fixtures.Problems {
	var ps fixtures.Problems
	for _, flag := range []string{claimVerified, claimSuperuser} {
		if v, ok := u.Claims[flag]; ok {
			if _, isBool := v.(bool); !isBool {
				ps.Add("claims."+flag, "must be true or false")
			}
		}
	}
	return ps
}

// deriveID makes a stable 24-hex-digit account id (a MongoDB ObjectId's
// shape, as UniPoll's accounts have) from an email, so that a user
// configured without one keeps the same id across runs.
func deriveID(email string) string {
	sum := sha256.Sum256([]byte("authmock/fastapi/" + email))
	return hex.EncodeToString(sum[:12])
}
