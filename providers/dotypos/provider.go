package dotypos

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

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
const Dialect = "dotypos"

// Paths, relative to the instance's mount point. The connector pages live
// on the admin host in reality (admin.dotykacka.cz), the API on the API
// host (api.dotykacka.cz); one mount serves both.
const (
	PathConnect         = "/client/connect"
	PathConnectV2       = "/client/connect/v2"
	PathConnectV2Alias  = "/v2/client/connect" // the migration page's other spelling
	PathConnectDecision = "/client/connect/decision"
	PathSignin          = "/v2/signin/token"
	PathClouds          = "/v2/clouds"
	PathCloud           = "/v2/clouds/{cloudId}"
	PathCloudSubtree    = "/v2/clouds/{cloudId}/{rest:.*}"
)

// Factory returns the dotypos dialect's factory.
func Factory() provider.Factory { return provider.NewFactory(Dialect, parseConfig, New) }

// Provider is one dotypos instance.
type Provider struct {
	cfg    Config
	deps   provider.Deps
	log    *slog.Logger
	keys   *jwtutil.KeySet
	dir    *directory.Directory
	clouds *cloudDirectory
	pages  *template.Template
	// ledger remembers every access and refresh token issued, so that the
	// admin API can revoke or expire them by token, jti, user or client.
	life *lifecycle.Lifecycle
	// editor edits clients and users for the admin API; the provider wraps
	// it to add user_clouds and the clouds collection.
	editor *directory.Editor
	// keep keeps the admin API's changes of the directory and the clouds
	// in the store (and shares them with replicas).
	keep *directory.Keeper
}

// New builds an instance.
func New(deps provider.Deps, cfg Config) (*Provider, error) {
	keys, ps := keyload.LoadKeySet(cfg.Keys, deps.BaseDir, keyload.Shared(deps.Store))
	if len(ps) > 0 {
		return nil, fmt.Errorf("dotypos %s: %w", deps.Name, ps)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	p := &Provider{
		cfg:    cfg,
		deps:   deps,
		log:    deps.Logger,
		keys:   keys,
		dir:    directory.New(cfg.Clients, cfg.Users),
		clouds: newCloudDirectory(cfg.Clouds, cfg.UserClouds),
		pages:  pages,
	}
	// A refresh token is a record, not a store family: revoking one deletes
	// it, as a user disconnecting the application would; the lifecycle's
	// mark keeps it dead either way.
	life := lifecycle.ForInstance(deps, keys, p.resolveToken)
	life.Families = nil
	life.WithdrawRefresh = func(ctx context.Context, f lifecycle.Facts) error {
		return deps.Store.DeleteRecord(ctx, refreshKey(f.Family))
	}
	p.life = lifecycle.New(life)
	p.editor = &directory.Editor{
		Dir:         p.dir,
		CheckClient: func(c fixtures.Client) fixtures.Problems { return checkClient(c) },
		Revoke:      directory.Revoking(p.life),
	}
	if p.keep, err = directory.Keep(deps.Store, deps.Logger, p.dir, p.clouds); err != nil {
		return nil, fmt.Errorf("dotypos %s: %w", deps.Name, err)
	}
	return p, nil
}

// Parts implements provider.Composite: the lifecycle revokes and expires
// tokens (the Provider itself edits fixtures, clouds included).
func (p *Provider) Parts() []any { return []any{p.life} }

// Mount implements provider.Provider.
func (p *Provider) Mount(r *mux.Router) {
	r.Handle(PathSignin, p.api(p.serveSignin)).Methods(http.MethodPost)
	r.Handle(PathClouds, p.api(p.serveClouds)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(PathCloud, p.api(p.serveCloud)).Methods(http.MethodGet, http.MethodHead)
	r.Handle(PathCloudSubtree, p.api(p.serveCloudSubtree))
	// The connector pages write their own answers; faults on them are the
	// API's error object too.
	r.Handle(PathConnect, p.page(p.serveConnect)).Methods(http.MethodGet)
	r.Handle(PathConnectV2, p.page(p.serveConnectV2)).Methods(http.MethodPost)
	r.Handle(PathConnectV2Alias, p.page(p.serveConnectV2)).Methods(http.MethodPost)
	r.Handle(PathConnectDecision, p.page(p.serveDecision)).Methods(http.MethodPost)
}

// page declares WriteError, the dialect's one renderer, on a route whose
// handler writes its own pages.
func (p *Provider) page(fn http.HandlerFunc) http.Handler { return oauth.Rendered(p, fn) }

// api adapts an API handler: a returned error is logged and written by
// WriteError, the dialect's one renderer, which the route declares.
func (p *Provider) api(fn oauth.HandlerFunc) http.Handler {
	return oauth.Handle(p.log, p, fn)
}

func (p *Provider) url(path string) string { return p.deps.Issuer + path }

// Describe implements provider.Describer. The first endpoint is the legacy
// connector URL of the first demo client, ready to open in a browser.
func (p *Provider) Describe() provider.Description {
	d := provider.Description{Dialect: Dialect}
	clients := p.dir.Clients()
	for _, c := range clients {
		if len(c.RedirectURIs) > 0 {
			d.Endpoints = append(d.Endpoints, provider.Endpoint{Name: "open", URL: p.ConnectURL(c, c.RedirectURIs[0], "demo-state")})
			break
		}
	}
	d.Endpoints = append(d.Endpoints,
		provider.Endpoint{Name: "connect", URL: p.url(PathConnect)},
		provider.Endpoint{Name: "connect v2", URL: p.url(PathConnectV2)},
		provider.Endpoint{Name: "signin", URL: p.url(PathSignin)},
		provider.Endpoint{Name: "clouds", URL: p.url(PathClouds)},
	)
	for _, c := range clients {
		note := "Authorization: User <token> at signin"
		if c.DefaultUser != "" {
			note = "connects as " + c.DefaultUser
		}
		d.Clients = append(d.Clients, provider.DescribedClient{ID: c.ID, Secret: c.Secret, RedirectURIs: c.RedirectURIs, Note: note})
	}
	for _, u := range p.dir.Users() {
		d.Users = append(d.Users, provider.DescribedUser{Username: u.Username, Password: u.Password})
		var names []string
		for _, c := range p.clouds.ofUser(u.Username) {
			names = append(names, c.String())
		}
		if len(names) > 0 {
			d.Notes = append(d.Notes, fmt.Sprintf("%s's clouds: %s", u.Username, strings.Join(names, ", ")))
		}
	}
	if p.cfg.Interactive {
		d.Notes = append(d.Notes, "interactive: the connector shows the application, the user's clouds, Allow and Deny")
	} else {
		d.Notes = append(d.Notes, "non-interactive: the connector redirects at once with the default user's first cloud (or ?cloudid=)")
	}
	return d
}

// ConnectURL is the legacy connector URL a client application sends the
// browser to, with the query the documentation writes.
func (p *Provider) ConnectURL(c fixtures.Client, redirectURI, state string) string {
	q := "client_id=" + url.QueryEscape(c.ID) + "&client_secret=" + url.QueryEscape(c.Secret) +
		"&scope=*&redirect_uri=" + url.QueryEscape(redirectURI)
	if state != "" {
		q += "&state=" + url.QueryEscape(state)
	}
	return p.url(PathConnect) + "?" + q
}

// Reset implements provider.Resetter: the configured clients, users and
// clouds (and which user has which) come back; the server resets the store
// namespace (refresh tokens, pending consents, the lifecycle's marks and
// cut-offs) itself, and the lifecycle's tally starts afresh.
func (p *Provider) Reset(ctx context.Context) error {
	p.life.Reset()
	return p.keep.Reset(ctx)
}

// Clouds lists every cloud of the instance, sorted by id.
func (p *Provider) Clouds() []fixtures.Cloud { return p.clouds.all() }

// PutCloud adds or replaces a cloud, kept as the admin API's changes are.
func (p *Provider) PutCloud(c fixtures.Cloud) fixtures.Problems {
	return p.kept(func() fixtures.Problems { return p.clouds.put(c) })
}

// DeleteCloud removes a cloud: no user can grant it, no refresh token can
// sign in to it, and the cloud list leaves it out. It reports whether the
// cloud existed (and the removal was kept).
func (p *Provider) DeleteCloud(id int64) bool {
	existed := false
	ps := p.kept(func() fixtures.Problems {
		existed = p.clouds.remove(id)
		return nil
	})
	return existed && len(ps) == 0
}

// UserClouds returns the clouds a user can grant, in connector order.
func (p *Provider) UserClouds(username string) []fixtures.Cloud { return p.clouds.ofUser(username) }

// SetUserClouds replaces the clouds a user can grant.
func (p *Provider) SetUserClouds(username string, ids []int64) fixtures.Problems {
	if _, ok := p.dir.User(username); !ok {
		var ps fixtures.Problems
		ps.Add("username", "no user named %q", username)
		return ps
	}
	return p.kept(func() fixtures.Problems { return p.clouds.setUser(username, ids) })
}

// errRefused carries a refusal out of a kept change; kept returns the
// problems themselves.
var errRefused = errors.New("refused")

// kept runs op as one kept change (directory.Keeper), reporting a store
// that failed as a problem, as the Go API's callers read them.
func (p *Provider) kept(op func() fixtures.Problems) fixtures.Problems {
	var ps fixtures.Problems
	err := p.keep.Change(context.Background(), func() error {
		if ps = op(); len(ps) > 0 {
			return errRefused
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRefused) {
		ps.Add("", "keeping the change in the store: %v", err)
	}
	return ps
}

var (
	_ provider.Provider  = (*Provider)(nil)
	_ provider.Describer = (*Provider)(nil)
	_ provider.Minter    = (*Provider)(nil)
	_ provider.Resetter  = (*Provider)(nil)
	_ provider.Composite = (*Provider)(nil)

	_ provider.FixtureEditor = (*Provider)(nil)
)
