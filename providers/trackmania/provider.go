package trackmania

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// Dialect is the name configuration files use for this dialect.
const Dialect = "trackmania"

// Paths, relative to the instance's mount point; the real host serves
// /oauth/... and /api/... side by side.
const (
	PathAuthorize         = "/oauth/authorize"
	PathAuthorizeDecision = "/oauth/authorize/decision"
	PathToken             = "/api/access_token"
	PathUser              = "/api/user"
	PathDisplayNames      = "/api/display-names"
	PathAccountIDs        = "/api/display-names/account-ids"
	PathClubsAdmin        = "/api/user/clubs/admin"
	PathFavorites         = "/api/user/maps/favorite"
	PathFavoriteAdd       = "/api/user/maps/favorite/add"
	PathFavoriteRemove    = "/api/user/maps/favorite/remove"
)

// Factory returns the trackmania dialect's factory.
func Factory() provider.Factory { return provider.NewFactory(Dialect, parseConfig, New) }

// Provider is one trackmania instance.
type Provider struct {
	cfg      Config
	deps     provider.Deps
	log      *slog.Logger
	dir      *directory.Directory
	keys     *jwtutil.KeySet // nil unless access tokens are JWTs
	renderer oauth.RFC6749Renderer
	bearer   oauth.BearerRenderer
	token    *oauth.TokenEndpoint
	flow     *authcode.Flow
	maps     map[string]Map // the catalogue, by uid
	// life says whether each issued token still works, and revokes and
	// expires them.
	life *lifecycle.Lifecycle
	// editor changes clients and users at runtime.
	editor *directory.Editor
}

// New builds an instance.
func New(deps provider.Deps, cfg Config) (*Provider, error) {
	p := &Provider{
		cfg:      cfg,
		deps:     deps,
		log:      deps.Logger,
		dir:      directory.New(cfg.Clients, cfg.Users),
		renderer: oauth.RFC6749Renderer{Realm: deps.Issuer},
		bearer:   oauth.BearerRenderer{Realm: deps.Issuer},
		maps:     make(map[string]Map, len(cfg.Maps)),
	}
	if cfg.AccessTokenFormat == FormatJWT {
		keys, ps := keyload.LoadKeySet(cfg.Keys, deps.BaseDir, keyload.Shared(deps.Store))
		if len(ps) > 0 {
			return nil, fmt.Errorf("trackmania %s: %w", deps.Name, ps)
		}
		p.keys = keys
	}
	p.life = lifecycle.New(lifecycle.ForInstance(deps, p.keys, p.resolveToken))
	// The editor serialises changes, so that two concurrent puts cannot
	// both take one display name.
	p.editor = &directory.Editor{
		Dir: p.dir, CheckClient: checkClient, CheckUser: p.checkUser,
		Revoke: directory.Revoking(p.life),
	}
	var err error
	if p.editor.Keep, err = directory.Keep(deps.Store, deps.Logger, p.dir); err != nil {
		return nil, fmt.Errorf("trackmania %s: %w", deps.Name, err)
	}
	for _, m := range cfg.Maps {
		p.maps[m.UID] = m
	}
	flow, err := p.newFlow()
	if err != nil {
		return nil, err
	}
	p.flow = flow
	p.token = oauth.NewTokenEndpoint(p.dir, leagueRenderer{}, p.log, deps.MaxBody, p.flow.CodeGrant(), p.flow.RefreshGrant(), clientCredentialsGrant{p})
	return p, nil
}

// Parts implements provider.Composite: the directory's editor edits
// clients and users with the configuration's own rules (a confidential
// client with grants and scopes the API knows; a UUID accountId and a
// display name no other user has). The lifecycle is not a part: the admin
// API revokes and expires through the Provider's own Revoke and Expire
// (revoker.go), which read a jti as the tokens carry it.
func (p *Provider) Parts() []any { return []any{p.editor} }

// Mount implements provider.Provider. Every route declares the renderer of
// its errors, injected faults included: league's JSON at the token
// endpoint, RFC 6749 JSON on the authorize pages, RFC 6750 bearer errors on
// the resource routes.
func (p *Provider) Mount(r *mux.Router) {
	// The token endpoint answers wrong methods itself, in league's JSON.
	r.Handle(PathToken, p.token)
	r.Handle(PathAuthorize, oauth.Rendered(p.renderer, http.HandlerFunc(p.flow.ServeAuthorize))).Methods(http.MethodGet)
	r.Handle(PathAuthorizeDecision, oauth.Rendered(p.renderer, http.HandlerFunc(p.flow.ServeDecision))).Methods(http.MethodPost)
	r.Handle(PathUser, p.resource(p.serveUser)).Methods(http.MethodGet)
	r.Handle(PathDisplayNames, p.resource(p.serveDisplayNames)).Methods(http.MethodGet)
	r.Handle(PathAccountIDs, p.resource(p.serveAccountIDs)).Methods(http.MethodGet)
	r.Handle(PathClubsAdmin, p.resource(p.serveClubsAdmin)).Methods(http.MethodGet)
	r.Handle(PathFavorites, p.resource(p.serveFavorites)).Methods(http.MethodGet)
	r.Handle(PathFavoriteAdd, p.resource(p.serveFavoriteAdd)).Methods(http.MethodPost)
	r.Handle(PathFavoriteRemove, p.resource(p.serveFavoriteRemove)).Methods(http.MethodPost)
}

// url returns the absolute URL of a path of this instance.
func (p *Provider) url(path string) string { return p.deps.Issuer + path }

// Describe implements provider.Describer.
func (p *Provider) Describe() provider.Description {
	d := provider.Description{
		Dialect: Dialect,
		Endpoints: []provider.Endpoint{
			{Name: "authorize", URL: p.url(PathAuthorize)},
			{Name: "token", URL: p.url(PathToken)},
			{Name: "user", URL: p.url(PathUser)},
			{Name: "display_names", URL: p.url(PathDisplayNames)},
			{Name: "account_ids", URL: p.url(PathAccountIDs)},
			{Name: "clubs_admin", URL: p.url(PathClubsAdmin)},
			{Name: "favorite_maps", URL: p.url(PathFavorites)},
		},
	}
	for _, c := range p.dir.Clients() {
		note := "confidential"
		if len(c.GrantTypes) > 0 {
			note += "; grants: " + fmt.Sprint(c.GrantTypes)
		}
		if c.DefaultUser != "" {
			note += "; approves as " + c.DefaultUser
		}
		d.Clients = append(d.Clients, provider.DescribedClient{ID: c.ID, Secret: c.Secret, RedirectURIs: c.RedirectURIs, Note: note})
	}
	for _, u := range p.dir.Users() {
		d.Users = append(d.Users, provider.DescribedUser{Username: u.Username, Password: u.Password})
	}
	d.Notes = append(d.Notes, "scopes: clubs, read_favorite, write_favorite (the empty scope is enough for /api/user)")
	if p.cfg.Interactive {
		d.Notes = append(d.Notes, "interactive: /oauth/authorize shows a login and consent page")
	} else {
		d.Notes = append(d.Notes, "non-interactive: /oauth/authorize approves at once as login_hint or the client's default user")
	}
	d.Notes = append(d.Notes, "access tokens: "+p.cfg.AccessTokenFormat+"; reuse: "+p.cfg.Reuse)
	return d
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Minter    = (*Provider)(nil)
	_ provider.Resetter  = (*Provider)(nil)

	_ provider.Composite = (*Provider)(nil)
)
