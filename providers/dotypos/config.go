package dotypos

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/validate"
)

// Config is the dotypos dialect's configuration, the "config" object of a
// provider instance.
type Config struct {
	// Keys sign access tokens: the first is active, the rest still verify.
	Keys []fixtures.KeySpec `json:"keys"`
	// Clients are the client applications (client_id, client_secret, name,
	// redirect_uris, default_user).
	Clients []fixtures.Client `json:"clients"`
	// Users are the Dotypos users who can connect an application.
	Users []fixtures.User `json:"users"`
	// Clouds are every cloud the instance knows.
	Clouds []fixtures.Cloud `json:"clouds"`
	// UserClouds maps a username to the ids of the clouds the user can
	// grant, in the order the connector lists them (the first is the
	// non-interactive default).
	UserClouds map[string][]int64 `json:"user_clouds"`

	// AccessTokenTTL is the access token's lifetime ("one hour" per the
	// documentation); a client's access_token_ttl overrides it.
	AccessTokenTTL fixtures.Duration `json:"access_token_ttl"`
	// RefreshTokenTTL is the refresh token's lifetime; 0, the default,
	// means it lives until revoked, as the documentation implies.
	RefreshTokenTTL fixtures.Duration `json:"refresh_token_ttl"`
	// TimestampWindow is how far connector v2's timestamp may be from the
	// server clock, either way.
	TimestampWindow fixtures.Duration `json:"timestamp_window"`

	// Interactive shows the connector page (the application's name, the
	// user's clouds, Allow and Deny) instead of approving at once.
	Interactive bool `json:"interactive"`
	// GrantClouds is "selected" (the refresh token opens the chosen cloud
	// only) or "all" (every cloud of the user at connect time; cloudid is
	// still the chosen one).
	GrantClouds string `json:"grant_clouds"`
	// OnDeny is what Deny does: "redirect" sends the browser back with
	// error=access_denied (and state); "page" shows a page instead.
	OnDeny string `json:"on_deny"`
}

// Values of GrantClouds and OnDeny.
const (
	GrantSelected = "selected"
	GrantAll      = "all"
	DenyRedirect  = "redirect"
	DenyPage      = "page"
)

func defaultConfig() Config {
	return Config{
		Keys:            []fixtures.KeySpec{{Builtin: "demo-rs256"}},
		AccessTokenTTL:  fixtures.Duration(time.Hour),
		TimestampWindow: fixtures.Duration(300 * time.Second),
		GrantClouds:     GrantSelected,
		OnDeny:          DenyRedirect,
	}
}

// parseConfig decodes raw over the defaults and validates the result.
func parseConfig(raw json.RawMessage) (Config, fixtures.Problems) {
	cfg := defaultConfig()
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return cfg, ps
	}
	return cfg, cfg.validate()
}

func (c *Config) validate() fixtures.Problems {
	ps := keyload.CheckSpecs(c.Keys)
	ps = append(ps, fixtures.ValidateUsers(c.Users)...)
	ps = append(ps, fixtures.ValidateClients(c.Clients, c.Users)...)
	ps = append(ps, fixtures.ValidateClouds(c.Clouds)...)
	for i, cl := range c.Clients {
		ps.Merge(fixtures.Index("clients", i), checkClient(cl))
	}
	known := map[int64]bool{}
	for _, cl := range c.Clouds {
		known[cl.ID] = true
	}
	usernames := map[string]bool{}
	for _, u := range c.Users {
		usernames[u.Username] = true
	}
	for _, name := range sortedKeys(c.UserClouds) {
		at := "user_clouds." + name
		if !usernames[name] {
			ps.Add(at, "no user named %q", name)
		}
		ps = append(ps, checkUserClouds(at, c.UserClouds[name], func(id int64) bool { return known[id] })...)
	}
	if c.AccessTokenTTL.D() < time.Second {
		ps.Add("access_token_ttl", "must be at least 1s")
	}
	if d := c.RefreshTokenTTL.D(); d != 0 && d < time.Second {
		ps.Add("refresh_token_ttl", "must be at least 1s (0 means refresh tokens never expire)")
	}
	if c.TimestampWindow.D() < time.Second {
		ps.Add("timestamp_window", "must be at least 1s")
	}
	if !slices.Contains([]string{GrantSelected, GrantAll}, c.GrantClouds) {
		ps.Add("grant_clouds", "must be %q or %q, not %q", GrantSelected, GrantAll, c.GrantClouds)
	}
	if !slices.Contains([]string{DenyRedirect, DenyPage}, c.OnDeny) {
		ps.Add("on_deny", "must be %q or %q, not %q", DenyRedirect, DenyPage, c.OnDeny)
	}
	return ps
}

// checkUserClouds checks one user's list of cloud ids, at path at: every id
// a cloud that exists, none twice. The configuration and the admin API's
// fixture editor both apply it.
func checkUserClouds(at string, ids []int64, exists func(int64) bool) fixtures.Problems {
	var ps fixtures.Problems
	seen := make(map[int64]bool, len(ids))
	for j, id := range ids {
		switch {
		case !exists(id):
			ps.Add(fixtures.Index(at, j), "no cloud with id %d in clouds", id)
		case seen[id]:
			ps.Add(fixtures.Index(at, j), "cloud %d is listed twice", id)
		}
		seen[id] = true
	}
	return ps
}

// checkClient is the dialect's own rules for a client application, with
// paths relative to the client: the configuration and the admin API's
// fixture editor both apply them.
func checkClient(cl fixtures.Client) fixtures.Problems {
	var ps fixtures.Problems
	if !utf8.ValidString(cl.ID) {
		// Only the admin API's path can bring one; JSON would mangle it.
		ps.Add("id", "must be valid UTF-8")
	}
	if cl.Public {
		ps.Add("public", "a Dotypos client application always has a secret")
	}
	if cl.AccessTokenTTL != 0 && cl.AccessTokenTTL.D() < time.Second {
		ps.Add("access_token_ttl", "must be at least 1s")
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
