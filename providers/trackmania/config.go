package trackmania

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/validate"
)

// Config is the trackmania dialect's configuration, the "config" object of
// a provider instance.
type Config struct {
	Clients []fixtures.Client `json:"clients"`
	// Users sign in; Subject is the accountId (a UUID) and the claim
	// "display_name" the displayName (the username when absent).
	Users []fixtures.User `json:"users"`
	// Clubs lists clubs with the usernames of their admins, for
	// /api/user/clubs/admin.
	Clubs []Club `json:"clubs"`
	// Maps is the catalogue favourites are chosen from.
	Maps []Map `json:"maps"`
	// Favorites are each user's favourite map uids at start-up, by
	// username; they change at runtime and come back on reset.
	Favorites map[string][]string `json:"favorites"`

	AccessTokenTTL  fixtures.Duration `json:"access_token_ttl"`
	RefreshTokenTTL fixtures.Duration `json:"refresh_token_ttl"`
	CodeTTL         fixtures.Duration `json:"code_ttl"`
	// RefreshTokenRotation retires a refresh token when it is used (the
	// default); false keeps it working until it expires. Either way every
	// refresh returns a new refresh token, as documented.
	RefreshTokenRotation bool `json:"refresh_token_rotation"`

	// Reuse says what a replayed code or an already-used refresh token does:
	// "league" (the default, as league/oauth2-server does: it is refused,
	// and what it issued stays valid) or "revoke_grant" (it is refused and
	// its whole grant revoked, OAuth 2.0 Security BCP §4.14.2).
	Reuse string `json:"reuse"`

	// AccessTokenFormat is "jwt" (the default: RS256 JWTs signed with Keys,
	// as league issues them) or "opaque" (random strings with a record).
	AccessTokenFormat string             `json:"access_token_format"`
	Keys              []fixtures.KeySpec `json:"keys"`

	// Interactive shows a login and consent page at /oauth/authorize
	// instead of approving at once as the default user.
	Interactive bool `json:"interactive"`
	// PKCE honours RFC 7636 code_challenge/code_verifier; off by default,
	// because the real API does not mention PKCE and ignores the
	// parameters.
	PKCE bool `json:"pkce"`
	// SnakeCaseUser makes /api/user answer account_id and display_name
	// instead of accountId and displayName.
	SnakeCaseUser bool `json:"snake_case_user"`
}

// Club is a club a user may administer.
type Club struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Admins []string `json:"admins,omitempty"`
}

// Map is a map as /api/user/maps/favorite lists it.
type Map struct {
	UID          string `json:"uid"`
	Name         string `json:"name"`
	Author       string `json:"author"`
	ThumbnailURL string `json:"thumbnailUrl"`
}

// Access token formats.
const (
	FormatOpaque = "opaque"
	FormatJWT    = "jwt"
)

// Reuse policies.
const (
	ReuseLeague      = "league"
	ReuseRevokeGrant = "revoke_grant"
)

// Scopes are the scopes the API knows (openplanet route reference).
const (
	ScopeClubs         = "clubs"
	ScopeReadFavorite  = "read_favorite"
	ScopeWriteFavorite = "write_favorite"
)

// knownScopes is every scope an authorization request may ask for.
var knownScopes = []string{ScopeClubs, ScopeReadFavorite, ScopeWriteFavorite}

// displayNameClaim is the user claim holding the displayName.
const displayNameClaim = "display_name"

var grantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}

func defaultConfig() Config {
	return Config{
		AccessTokenTTL:       fixtures.Duration(time.Hour),
		RefreshTokenTTL:      fixtures.Duration(30 * 24 * time.Hour),
		CodeTTL:              fixtures.Duration(10 * time.Minute),
		RefreshTokenRotation: true,
		AccessTokenFormat:    FormatJWT,
		Reuse:                ReuseLeague,
		Keys:                 []fixtures.KeySpec{{Builtin: "demo-rs256"}},
	}
}

// parseConfig decodes raw over the defaults and validates the result,
// reporting every problem at once.
func parseConfig(raw json.RawMessage) (Config, fixtures.Problems) {
	cfg := defaultConfig()
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return cfg, ps
	}
	var ps fixtures.Problems
	if cfg.AccessTokenFormat == FormatJWT {
		ps = append(ps, keyload.CheckSpecs(cfg.Keys)...)
	} else if cfg.AccessTokenFormat != FormatOpaque {
		ps.Add("access_token_format", "must be %q or %q", FormatOpaque, FormatJWT)
	}
	if cfg.Reuse != ReuseLeague && cfg.Reuse != ReuseRevokeGrant {
		ps.Add("reuse", "must be %q or %q", ReuseLeague, ReuseRevokeGrant)
	}
	ps = append(ps, fixtures.ValidateUsers(cfg.Users)...)
	ps = append(ps, fixtures.ValidateClients(cfg.Clients, cfg.Users)...)
	ps = append(ps, checkUsers(cfg.Users)...)
	ps = append(ps, checkClients(cfg.Clients)...)
	ps = append(ps, cfg.checkCatalogue()...)
	for _, ttl := range []struct {
		name string
		d    fixtures.Duration
	}{{"access_token_ttl", cfg.AccessTokenTTL}, {"refresh_token_ttl", cfg.RefreshTokenTTL}, {"code_ttl", cfg.CodeTTL}} {
		if ttl.d.D() < time.Second {
			ps.Add(ttl.name, "must be at least 1s")
		}
	}
	return cfg, ps
}

// checkUsers demands what the API promises of an account: a UUID
// accountId and a displayName unique among users, since
// /api/display-names/account-ids maps names back to ids.
func checkUsers(users []fixtures.User) fixtures.Problems {
	var ps fixtures.Problems
	names := map[string]bool{}
	for i, u := range users {
		at := fixtures.Index("users", i)
		if !isUUID(u.Subject) {
			ps.Add(at+".subject", "must be the accountId, a UUID such as 5b4d42f4-c2de-407d-b367-cbff3fe817bc")
		}
		if v, ok := u.Claims[displayNameClaim]; ok {
			if s, isString := v.(string); !isString || s == "" {
				ps.Add(at+".claims."+displayNameClaim, "must be a non-empty string")
			}
		}
		name := displayName(u)
		if names[name] {
			ps.Add(at+".claims."+displayNameClaim, "duplicate display name %q", name)
		}
		names[name] = true
	}
	return ps
}

// checkClients keeps clients to what a Trackmania app can be: confidential
// (the API has no implicit grant, so a public app cannot work), with
// grants and scopes the API knows.
func checkClients(clients []fixtures.Client) fixtures.Problems {
	var ps fixtures.Problems
	for i, c := range clients {
		at := fixtures.Index("clients", i)
		if c.Public {
			ps.Add(at+".public", "Trackmania apps are confidential; give the client a secret")
		}
		for j, gt := range c.GrantTypes {
			if !slices.Contains(grantTypes, gt) {
				ps.Add(fixtures.Index(at+".grant_types", j), "unsupported grant type %q (have %v)", gt, grantTypes)
			}
		}
		for j, s := range c.Scopes {
			if !slices.Contains(knownScopes, s) {
				ps.Add(fixtures.Index(at+".scopes", j), "unknown scope %q (have %v)", s, knownScopes)
			}
		}
		for _, ttl := range []struct {
			name string
			d    fixtures.Duration
		}{{"access_token_ttl", c.AccessTokenTTL}, {"refresh_token_ttl", c.RefreshTokenTTL}} {
			if ttl.d != 0 && ttl.d.D() < time.Second {
				ps.Add(at+"."+ttl.name, "must be at least 1s")
			}
		}
	}
	return ps
}

// checkCatalogue checks clubs, maps and favourites against each other and
// the users.
func (c *Config) checkCatalogue() fixtures.Problems {
	var ps fixtures.Problems
	usernames := map[string]bool{}
	for _, u := range c.Users {
		usernames[u.Username] = true
	}
	clubIDs := map[int64]bool{}
	for i, club := range c.Clubs {
		at := fixtures.Index("clubs", i)
		if club.ID <= 0 {
			ps.Add(at+".id", "must be a positive integer")
		} else if clubIDs[club.ID] {
			ps.Add(at+".id", "duplicate club id %d", club.ID)
		}
		clubIDs[club.ID] = true
		if club.Name == "" {
			ps.Add(at+".name", "must not be empty")
		}
		for j, admin := range club.Admins {
			if !usernames[admin] {
				ps.Add(fixtures.Index(at+".admins", j), "no user named %q", admin)
			}
		}
	}
	uids := map[string]bool{}
	for i, m := range c.Maps {
		at := fixtures.Index("maps", i)
		if m.UID == "" {
			ps.Add(at+".uid", "must not be empty")
		} else if uids[m.UID] {
			ps.Add(at+".uid", "duplicate map uid %q", m.UID)
		}
		uids[m.UID] = true
	}
	for _, name := range sortedKeys(c.Favorites) {
		at := "favorites." + name
		if !usernames[name] {
			ps.Add(at, "no user named %q", name)
		}
		seen := map[string]bool{}
		for j, uid := range c.Favorites[name] {
			switch {
			case !uids[uid]:
				ps.Add(fixtures.Index(at, j), "no map with uid %q in maps", uid)
			case seen[uid]:
				ps.Add(fixtures.Index(at, j), "duplicate map uid %q", uid)
			}
			seen[uid] = true
		}
	}
	return ps
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// displayName is the user's displayName: the display_name claim, else the
// username.
func displayName(u fixtures.User) string {
	if s, ok := u.Claims[displayNameClaim].(string); ok && s != "" {
		return s
	}
	return u.Username
}

// isUUID reports whether s is a UUID in its canonical 8-4-4-4-12 hex form,
// the form Ubisoft account ids take.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
