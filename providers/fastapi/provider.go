package fastapi

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// Dialect is the name configuration files use for this dialect.
const Dialect = "fastapi"

// Paths, relative to the instance's mount point.
const (
	PathLogin   = "/auth/jwt/login"
	PathRefresh = "/auth/jwt/refresh"
	// PathPostmanRefresh is the documented spelling; the UniPoll code serves
	// PathPostmanRefreshCode. Both are served.
	PathPostmanRefresh     = "/auth/jwt/postman-refresh"
	PathPostmanRefreshCode = "/auth/jwt/postman_refresh"
	PathLogout             = "/auth/jwt/logout"
	PathMe                 = "/users/me"
)

// Factory returns the fastapi dialect's factory.
func Factory() provider.Factory { return provider.NewFactory(Dialect, parseConfig, New) }

// Provider is one fastapi instance.
type Provider struct {
	cfg  Config
	deps provider.Deps
	log  *slog.Logger
	keys *jwtutil.KeySet // nil with opaque tokens
	dir  *directory.Directory
	// life says whether each issued token still works, and revokes and
	// expires them; editor changes the users at runtime (control.go).
	life   *lifecycle.Lifecycle
	editor *directory.Editor
}

// New builds an instance.
func New(deps provider.Deps, cfg Config) (*Provider, error) {
	p := &Provider{cfg: cfg, deps: deps, log: deps.Logger, dir: directory.New(nil, cfg.Users)}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if cfg.TokenFormat != FormatOpaque {
		keys, ps := keyload.LoadKeySet(cfg.Keys, deps.BaseDir, keyload.Shared(deps.Store))
		if len(ps) > 0 {
			return nil, fmt.Errorf("fastapi %s: %w", deps.Name, ps)
		}
		p.keys = keys
	}
	p.life = lifecycle.New(lifecycle.ForInstance(deps, p.keys, p.resolve))
	p.editor = &directory.Editor{
		Dir:       p.dir,
		NoClients: true,
		CheckUser: checkUser,
		// Users are keyed by the email login takes; one without a
		// subject gets the account id derived from it, as the
		// configuration gives it.
		FillUser: func(u *fixtures.User) {
			if u.Subject == "" {
				u.Subject = deriveID(u.Username)
			}
		},
		Revoke: directory.Revoking(p.life),
	}
	var err error
	if p.editor.Keep, err = directory.Keep(deps.Store, p.log, p.dir); err != nil {
		return nil, fmt.Errorf("fastapi %s: %w", deps.Name, err)
	}
	return p, nil
}

// Parts implements provider.Composite: the lifecycle revokes and expires
// tokens, the directory's editor edits users (there are no clients).
func (p *Provider) Parts() []any { return []any{p.life, p.editor} }

// Mount implements provider.Provider. Each route answers a wrong method
// itself, with FastAPI's 405.
func (p *Provider) Mount(r *mux.Router) {
	r.Handle(PathLogin, p.route(loginRenderer, http.MethodPost, p.serveLogin))
	r.Handle(PathRefresh, p.route(refreshRenderer, http.MethodPost, p.serveRefresh))
	r.Handle(PathPostmanRefresh, p.route(refreshRenderer, http.MethodPost, p.servePostmanRefresh))
	r.Handle(PathPostmanRefreshCode, p.route(refreshRenderer, http.MethodPost, p.servePostmanRefresh))
	r.Handle(PathLogout, p.route(loginRenderer, http.MethodPost, p.serveLogout))
	r.Handle(PathMe, p.route(loginRenderer, http.MethodGet, p.serveMe))
}

// route adapts fn for a route that answers method (any other gets
// FastAPI's 405), declaring renderer as the route's: its errors, and
// faults injected on it, are worded as that kind of route words them.
func (p *Provider) route(renderer renderer, method string, fn oauth.HandlerFunc) http.Handler {
	return oauth.Handle(p.log, renderer, only(method, fn))
}

func (p *Provider) url(path string) string { return p.deps.Issuer + path }

// Describe implements provider.Describer.
func (p *Provider) Describe() provider.Description {
	d := provider.Description{
		Dialect: Dialect,
		Endpoints: []provider.Endpoint{
			{Name: "login", URL: p.url(PathLogin)},
			{Name: "refresh", URL: p.url(PathRefresh)},
			{Name: "postman_refresh", URL: p.url(PathPostmanRefresh)},
			{Name: "logout", URL: p.url(PathLogout)},
			{Name: "users_me", URL: p.url(PathMe)},
		},
	}
	for _, u := range p.dir.Users() {
		d.Users = append(d.Users, provider.DescribedUser{Username: u.Username, Password: u.Password})
	}
	format := "JWT (HS256 unless keys say otherwise)"
	if p.cfg.TokenFormat == FormatOpaque {
		format = "opaque"
	}
	d.Notes = append(d.Notes,
		"login: form username=<email>&password=...; tokens: "+format+", token_type "+p.cfg.TokenType,
		"refresh: header refresh-token; Postman: Basic base64(<account id>:) + form refresh_token, grant_type=refresh_token",
	)
	for _, u := range p.dir.Users() {
		a := accountOf(u)
		d.Notes = append(d.Notes, fmt.Sprintf("%s: id %s, active %t, verified %t, superuser %t", a.Email, a.ID, a.IsActive, a.IsVerified, a.IsSuperuser))
	}
	return d
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Minter    = (*Provider)(nil)
	_ provider.Resetter  = (*Provider)(nil)
	_ provider.Composite = (*Provider)(nil)
)
