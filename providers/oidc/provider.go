package oidc

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/oauth/dpop"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// Dialect is the name configuration files use for this dialect.
const Dialect = "oidc"

// Paths, relative to the instance's mount point.
const (
	PathDiscovery         = "/.well-known/openid-configuration"
	PathASMetadata        = "/.well-known/oauth-authorization-server"
	PathJWKS              = "/jwks"
	PathAuthorize         = "/authorize"
	PathAuthorizeDecision = "/authorize/decision"
	PathToken             = "/token"
	PathUserinfo          = "/userinfo"
	PathIntrospect        = "/introspect"
	PathRevoke            = "/revoke"
	PathEndSession        = "/end_session"
	PathPAR               = "/par"
)

// Factory returns the oidc dialect's factory.
func Factory() provider.Factory { return provider.NewFactory(Dialect, parseConfig, New) }

// Provider is one oidc instance.
type Provider struct {
	cfg       Config
	deps      provider.Deps
	log       *slog.Logger
	keys      *jwtutil.KeySet
	dir       *directory.Directory
	editor    *directory.Editor
	life      *lifecycle.Lifecycle
	scopes    []string // supported scopes
	renderer  oauth.RFC6749Renderer
	bearer    oauth.BearerRenderer
	token     *oauth.TokenEndpoint
	clients   clientRegistry // dir, accepting RFC 7523 client assertions
	keySets   *publicKeySets // clients' and trusted issuers' JWK Sets, parsed once
	flow      *authcode.Flow
	discovery []byte         // pre-rendered metadata documents
	dpop      *dpop.Verifier // nil when DPoP is off
}

// New builds an instance.
func New(deps provider.Deps, cfg Config) (*Provider, error) {
	keys, ps := keyload.LoadKeySet(cfg.Keys, deps.BaseDir, keyload.Shared(deps.Store))
	if len(ps) > 0 {
		return nil, fmt.Errorf("oidc %s: %w", deps.Name, ps)
	}
	p := &Provider{
		cfg:      cfg,
		deps:     deps,
		log:      deps.Logger,
		keys:     keys,
		dir:      directory.New(cfg.Clients, cfg.Users),
		scopes:   cfg.supportedScopes(),
		renderer: oauth.RFC6749Renderer{Realm: deps.Issuer},
		bearer:   oauth.BearerRenderer{Realm: deps.Issuer},
	}
	// Revoking a refresh token revokes its whole grant, as the revocation
	// endpoint does (RFC 7009 §2.1).
	life := lifecycle.ForInstance(deps, keys, p.resolveToken)
	life.RefreshRevokesGrant = true
	// ID tokens die only by their grant's mark (their sid).
	life.MarkFloor = max(cfg.AccessTokenTTL.D(), cfg.IDTokenTTL.D())
	p.life = lifecycle.New(life)
	p.editor = p.newEditor()
	p.keySets = &publicKeySets{baseDir: deps.BaseDir}
	p.clients = p.newClientRegistry()
	flow, err := p.newFlow()
	if err != nil {
		return nil, err
	}
	p.flow = flow
	if p.dpop, err = p.newDPoP(); err != nil {
		return nil, err
	}
	if p.editor.Keep, err = directory.Keep(deps.Store, deps.Logger, p.dir); err != nil {
		return nil, fmt.Errorf("oidc %s: %w", deps.Name, err)
	}
	if err := checkClientKeyFiles(cfg.Clients, deps.BaseDir); err != nil {
		return nil, fmt.Errorf("oidc %s: %w", deps.Name, err)
	}
	if p.discovery, err = json.Marshal(p.metadata()); err != nil {
		return nil, err
	}
	var grants []oauth.Grant
	for _, g := range []oauth.Grant{p.flow.CodeGrant(), p.flow.RefreshGrant(), clientCredentialsGrant{p}, passwordGrant{p}, deviceGrant{p}, exchangeGrant{p}, jwtBearerGrant{p}} {
		if slices.Contains(cfg.GrantTypes, string(g.Type())) {
			grants = append(grants, g)
		}
	}
	p.token = oauth.NewTokenEndpoint(p.clients, p.renderer, p.log, deps.MaxBody, p.dpopGrants(grants)...)
	return p, nil
}

// Mount implements provider.Provider. Every route declares the renderer of
// its errors, injected faults included: RFC 6749 JSON, and RFC 6750 bearer
// errors at userinfo.
func (p *Provider) Mount(r *mux.Router) {
	// gorilla/mux tries routes in order; the token endpoint is the hot path.
	r.Handle(PathToken, oauth.Wrap(p.token, p.dpopNonces))
	r.Handle(PathDiscovery, p.handle(p.serveDiscovery)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(PathASMetadata, p.handle(p.serveDiscovery)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(PathJWKS, p.handle(p.serveJWKS)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(PathAuthorize, p.page(p.flow.ServeAuthorize)).Methods(http.MethodGet, http.MethodPost)
	r.Handle(PathAuthorizeDecision, p.page(p.flow.ServeDecision)).Methods(http.MethodPost)
	r.Handle(PathUserinfo, oauth.Wrap(oauth.Handle(p.log, p.bearer, p.serveUserinfo), p.dpopNonces)).Methods(http.MethodGet, http.MethodPost)
	r.Handle(PathIntrospect, p.handle(p.serveIntrospect))
	r.Handle(PathRevoke, p.handle(p.serveRevoke))
	r.Handle(PathPAR, oauth.Wrap(oauth.Handle(p.log, p.renderer, p.flow.ServePush), p.dpopNonces))
	r.Handle(PathEndSession, p.page(p.serveEndSession)).Methods(http.MethodGet, http.MethodPost)
	if p.deviceEnabled() {
		r.Handle(PathDeviceAuthorization, p.handle(p.serveDeviceAuthorization))
		r.Handle(PathDevice, p.page(p.serveDevicePage)).Methods(http.MethodGet, http.MethodPost)
		r.Handle(PathDeviceDecision, p.page(p.serveDeviceDecision)).Methods(http.MethodPost)
	}
}

// page declares the RFC 6749 renderer on a route whose handler writes its
// own answers (a page or a redirect).
func (p *Provider) page(fn http.HandlerFunc) http.Handler { return oauth.Rendered(p.renderer, fn) }

func (p *Provider) handle(fn oauth.HandlerFunc) http.Handler {
	return oauth.Handle(p.log, p.renderer, fn)
}

// url returns the absolute URL of a path of this instance.
func (p *Provider) url(path string) string { return p.deps.Issuer + path }

// Describe implements provider.Describer.
func (p *Provider) Describe() provider.Description {
	d := provider.Description{
		Dialect: Dialect,
		Endpoints: []provider.Endpoint{
			{Name: "issuer", URL: p.deps.Issuer},
			{Name: "discovery", URL: p.url(PathDiscovery)},
			{Name: "authorize", URL: p.url(PathAuthorize)},
			{Name: "token", URL: p.url(PathToken)},
			{Name: "userinfo", URL: p.url(PathUserinfo)},
			{Name: "jwks", URL: p.url(PathJWKS)},
			{Name: "introspect", URL: p.url(PathIntrospect)},
			{Name: "revoke", URL: p.url(PathRevoke)},
			{Name: "end_session", URL: p.url(PathEndSession)},
			{Name: "par", URL: p.url(PathPAR)},
		},
	}
	if p.deviceEnabled() {
		d.Endpoints = append(d.Endpoints,
			provider.Endpoint{Name: "device_auth", URL: p.url(PathDeviceAuthorization)},
			provider.Endpoint{Name: "device", URL: p.url(PathDevice)})
	}
	for _, c := range p.dir.Clients() {
		note := "confidential"
		switch {
		case c.Public && len(c.RedirectURIs) == 0:
			note = "public" // a device: no redirect, so no PKCE either
		case c.Public:
			note = "public, PKCE required"
		}
		if len(c.GrantTypes) > 0 {
			note += "; grants: " + fmt.Sprint(c.GrantTypes)
		}
		if c.TokenEndpointAuthMethod != "" {
			note += "; auth: " + c.TokenEndpointAuthMethod
		}
		if c.TokenExchange != nil {
			note += "; exchanges for: " + fmt.Sprint(c.TokenExchange.Audiences)
		}
		d.Clients = append(d.Clients, provider.DescribedClient{ID: c.ID, Secret: c.Secret, RedirectURIs: c.RedirectURIs, Note: note})
	}
	for _, u := range p.dir.Users() {
		d.Users = append(d.Users, provider.DescribedUser{Username: u.Username, Password: u.Password})
	}
	if p.cfg.Interactive {
		d.Notes = append(d.Notes, "interactive: the authorization endpoint shows a login and consent page")
	} else {
		d.Notes = append(d.Notes, "non-interactive: /authorize approves at once as the client's default user, or as login_hint")
	}
	return d
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Minter    = (*Provider)(nil)
	_ provider.Resetter  = (*Provider)(nil)
	_ provider.Composite = (*Provider)(nil)

	_ provider.DeviceDecider = (*Provider)(nil)
)
