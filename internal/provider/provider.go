// Package provider is the plugin contract between the server and the
// dialects: what a dialect is given (Deps), what it must do (mount its
// routes), and the optional capabilities the server looks for.
//
// It is separate so that the server and the dialects depend on the contract
// and never on each other; providers/builtin is the only place that names
// every dialect.
package provider

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

// Deps is everything a provider instance receives from the server.
type Deps struct {
	// Name is the instance name from the configuration ("oidc").
	Name string
	// Issuer is the instance's public base URL, with no trailing slash: the
	// value of "iss" and the base of every URL it advertises.
	Issuer string
	// Clock is the server's controllable clock; nothing reads time.Now.
	Clock clock.Clock
	// Store is this instance's own namespace of server state.
	Store store.Store
	// Logger is scoped to the instance.
	Logger *slog.Logger
	// Rand is the source of every random value the instance makes (codes,
	// token ids); tests make it deterministic.
	Rand io.Reader
	// Sequence stamps every token the instance issues (internal/lifecycle);
	// one per process, shared by every instance. Nil means a hybrid logical
	// clock on the system clock.
	Sequence clock.Sequence
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// BaseDir resolves relative file paths in the configuration.
	BaseDir string
}

// Provider is one mounted instance of a dialect.
type Provider interface {
	// Mount registers the instance's routes on r, a subrouter already
	// rooted at the instance's prefix. It may be called more than once
	// (with --root the instance is also mounted at /), so it must only
	// register routes and keep no per-call state. Leave r's NotFound and
	// MethodNotAllowed handlers alone: the server answers misses, and tells
	// a 405 from a 404, for every mount alike (in the dialect's format when
	// the Provider implements oauth.ErrorRenderer). Mount each route with
	// the renderer of its errors (oauth.Handle, oauth.Rendered), so that
	// injected faults on it read as its own errors do.
	Mount(r *mux.Router)
}

// Config is a dialect's decoded configuration. It marshals back to the JSON
// the configuration file takes, defaults included, for "config --print".
type Config any

// Factory builds provider instances of one dialect.
type Factory interface {
	// Dialect is the name configuration files use ("oidc").
	Dialect() string
	// ParseConfig strictly decodes raw (nil when the file gives none),
	// applies the dialect's defaults and validates the result, reporting
	// every problem with a path relative to the config object.
	ParseConfig(raw json.RawMessage) (Config, fixtures.Problems)
	// New builds an instance from a config ParseConfig returned.
	New(deps Deps, cfg Config) (Provider, error)
}

// Description tells a person how to use an instance: printed in the start-up
// banner and served by the admin API.
type Description struct {
	Dialect   string            `json:"dialect"`
	Endpoints []Endpoint        `json:"endpoints"`
	Clients   []DescribedClient `json:"clients,omitempty"`
	Users     []DescribedUser   `json:"users,omitempty"`
	Notes     []string          `json:"notes,omitempty"`
}

// Endpoint is one advertised URL.
type Endpoint struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// DescribedClient is a demo client as the banner shows it.
type DescribedClient struct {
	ID           string   `json:"id"`
	Secret       string   `json:"secret,omitempty"`
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	Note         string   `json:"note,omitempty"`
}

// DescribedUser is a demo user as the banner shows it.
type DescribedUser struct {
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
}

// Describer is implemented by providers that can describe themselves.
type Describer interface {
	Describe() Description
}

// AuthorizationChecker is implemented by providers whose every route
// already refuses a request with several Authorization headers in the
// dialect's own words (Dotypos: 401 INVALID_AUTH_HEADER). For the others
// the server refuses such a request on every route as invalid_request,
// through the renderer the route declared.
type AuthorizationChecker interface {
	ChecksAuthorizationHeaders()
}

// Resetter is implemented by providers with state outside their Store
// (runtime-added clients, say) that an admin reset must clear.
type Resetter interface {
	Reset(ctx context.Context) error
}

// Minter is implemented by providers that can mint a token outside any flow,
// for "authmock token" and the admin API.
type Minter interface {
	Mint(ctx context.Context, req MintRequest) (MintResult, error)
}

// MintRequest asks for a token for a client, optionally on behalf of a user.
type MintRequest struct {
	ClientID string         `json:"client_id"`
	Username string         `json:"username,omitempty"`
	Scopes   []string       `json:"scopes,omitempty"`
	Claims   map[string]any `json:"claims,omitempty"`
	// TTL overrides the access-token lifetime, in seconds.
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
}

// MintResult is a minted token set; fields the dialect has no use for stay
// empty.
type MintResult struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	// JTI names the access token for a revoke or expire call: its "jti"
	// claim, or the id the ledger keeps an opaque token under.
	JTI string `json:"jti,omitempty"`
}
