package oidc

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/validate"
)

// Config is the oidc dialect's configuration, the "config" object of a
// provider instance.
type Config struct {
	// Keys sign tokens: the first is active, the rest are published in the
	// JWKS for verification (key rotation).
	Keys    []fixtures.KeySpec `json:"keys"`
	Clients []fixtures.Client  `json:"clients"`
	Users   []fixtures.User    `json:"users"`

	AccessTokenTTL  fixtures.Duration `json:"access_token_ttl"`
	RefreshTokenTTL fixtures.Duration `json:"refresh_token_ttl"`
	IDTokenTTL      fixtures.Duration `json:"id_token_ttl"`
	CodeTTL         fixtures.Duration `json:"code_ttl"`
	// DeviceCodeTTL is a device authorization's lifetime (RFC 8628
	// expires_in); DevicePollInterval its initial polling interval.
	DeviceCodeTTL      fixtures.Duration `json:"device_code_ttl"`
	DevicePollInterval fixtures.Duration `json:"device_poll_interval"`

	// Scopes lists the scopes the instance supports beyond the OpenID ones.
	Scopes []string `json:"scopes"`
	// GrantTypes enabled on the token endpoint.
	GrantTypes []string `json:"grant_types"`
	// Interactive shows a login and consent page at the authorization
	// endpoint instead of approving at once as the default user.
	Interactive bool `json:"interactive"`
	// AllowPlainPKCE accepts code_challenge_method=plain as well as S256.
	AllowPlainPKCE bool `json:"allow_plain_pkce"`
	// AccessTokenAudience is the "aud" of access tokens; empty means the
	// client id.
	AccessTokenAudience string `json:"access_token_audience,omitempty"`
	// RequirePushedAuthorizationRequests accepts authorization requests
	// only as pushed ones (RFC 9126 §5), for every client.
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests"`
	// PushedRequestTTL is how long a pushed authorization request waits
	// for /authorize (RFC 9126 §2.2's expires_in).
	PushedRequestTTL fixtures.Duration `json:"pushed_request_ttl"`
	// DPoP configures RFC 9449 proofs (dpop.go).
	DPoP DPoPConfig `json:"dpop"`
	// TrustedIssuers sign JWTs the instance accepts as jwt-bearer grants
	// and as token-exchange subject or actor tokens (trust.go).
	TrustedIssuers []TrustedIssuer `json:"trusted_issuers,omitempty"`
}

// OpenID scopes this dialect always supports (OIDC Core §5.4, §11).
var openIDScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access"}

var allGrantTypes = []string{
	string(oauth.GrantAuthorizationCode),
	string(oauth.GrantRefreshToken),
	string(oauth.GrantClientCredentials),
	string(oauth.GrantPassword),
	string(oauth.GrantDeviceCode),
	string(oauth.GrantTokenExchange),
	string(oauth.GrantJWTBearer),
}

func defaultConfig() Config {
	return Config{
		Keys:            []fixtures.KeySpec{{Builtin: "demo-rs256"}},
		AccessTokenTTL:  fixtures.Duration(time.Hour),
		RefreshTokenTTL: fixtures.Duration(30 * 24 * time.Hour),
		IDTokenTTL:      fixtures.Duration(time.Hour),
		CodeTTL:         fixtures.Duration(10 * time.Minute),
		// RFC 8628 §3.2's default interval, and a lifetime long enough to
		// walk to another device and type a code.
		DeviceCodeTTL:      fixtures.Duration(10 * time.Minute),
		DevicePollInterval: fixtures.Duration(5 * time.Second),
		GrantTypes:         slices.Clone(allGrantTypes),
		AllowPlainPKCE:     true,
		// RFC 9126 §2.2: "a relatively short time"; its example is 60.
		PushedRequestTTL: fixtures.Duration(time.Minute),
		DPoP:             defaultDPoPConfig(),
	}
}

// parseConfig decodes raw over the defaults and validates the result.
func parseConfig(raw json.RawMessage) (Config, fixtures.Problems) {
	cfg := defaultConfig()
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return cfg, ps
	}
	ps := keyload.CheckSpecs(cfg.Keys)
	ps = append(ps, fixtures.ValidateUsers(cfg.Users)...)
	ps = append(ps, fixtures.ValidateClients(cfg.Clients, cfg.Users)...)
	for i, gt := range cfg.GrantTypes {
		if !slices.Contains(allGrantTypes, gt) {
			ps.Add(fixtures.Index("grant_types", i), "unsupported grant type %q (have %v)", gt, allGrantTypes)
		}
	}
	for i, c := range cfg.Clients {
		ps.Merge(fixtures.Index("clients", i), checkClient(c, cfg.GrantTypes))
	}
	ps = append(ps, cfg.DPoP.check(cfg.Clients)...)
	ps = append(ps, checkTrustedIssuers(cfg.TrustedIssuers)...)
	if d := cfg.RefreshTokenTTL.D(); d != 0 && d < time.Second {
		ps.Add("refresh_token_ttl", "must be at least 1s (0 means refresh tokens never expire)")
	}
	for i, s := range cfg.Scopes {
		if !oauth.ValidScopeToken(s) {
			ps.Add(fixtures.Index("scopes", i), "invalid scope token %q", s)
		}
	}
	for _, ttl := range []struct {
		name string
		d    fixtures.Duration
	}{{"access_token_ttl", cfg.AccessTokenTTL}, {"id_token_ttl", cfg.IDTokenTTL}, {"code_ttl", cfg.CodeTTL},
		{"device_code_ttl", cfg.DeviceCodeTTL}, {"device_poll_interval", cfg.DevicePollInterval}, {"pushed_request_ttl", cfg.PushedRequestTTL}} {
		if ttl.d.D() < time.Second {
			ps.Add(ttl.name, "must be at least 1s")
		}
	}
	return cfg, ps
}

// checkClient applies this dialect's rules for a client on top of
// fixtures.ValidateClients, with paths relative to the client: the
// configuration file and the admin API both use it. enabled is the
// instance's grant types.
func checkClient(c fixtures.Client, enabled []string) fixtures.Problems {
	var ps fixtures.Problems
	for j, gt := range c.GrantTypes {
		if !slices.Contains(enabled, gt) {
			ps.Add(fixtures.Index("grant_types", j), "grant type %q is not enabled on this instance", gt)
		}
	}
	for j, s := range c.Scopes {
		if !oauth.ValidScopeToken(s) {
			ps.Add(fixtures.Index("scopes", j), "invalid scope token %q", s)
		}
	}
	ps = append(ps, checkClientAuth(c)...)
	ps = append(ps, checkTokenExchange(c, enabled)...)
	// Overrides are in whole seconds on the wire (expires_in, exp); a
	// shorter one would issue tokens that are dead on arrival. Zero means
	// the instance's lifetime.
	for _, ttl := range []struct {
		name string
		d    fixtures.Duration
	}{{"access_token_ttl", c.AccessTokenTTL}, {"refresh_token_ttl", c.RefreshTokenTTL}, {"id_token_ttl", c.IDTokenTTL}} {
		if ttl.d != 0 && ttl.d.D() < time.Second {
			ps.Add(ttl.name, "must be at least 1s")
		}
	}
	return ps
}

// supportedScopes is every scope the instance accepts: the OpenID ones, the
// configured ones and any a client declares.
func (c *Config) supportedScopes() []string {
	out := slices.Clone(openIDScopes)
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range c.Scopes {
		add(s)
	}
	for _, cl := range c.Clients {
		for _, s := range cl.Scopes {
			add(s)
		}
	}
	return out
}
