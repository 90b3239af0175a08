package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	adminapi "github.com/authmock/authmock/internal/admin"
	"github.com/authmock/authmock/internal/dashboard"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
)

// AdminPrefix is where authmock's own endpoints live; no instance may be
// mounted there.
const AdminPrefix = "/_authmock"

// handler builds the router and wraps it in the outer middleware, outside
// the router so that 404s and 405s are logged, limited and CORS-enabled
// too (gorilla's Use only runs on matched routes).
func (s *Server) handler() http.Handler {
	r := newRouter()
	prefixRouter(r, AdminPrefix).NewRoute().Handler(s.adminGate().Wrap(s.lazyAdmin()))

	var rootInst *instance
	for _, in := range s.instances {
		sub := prefixRouter(r, in.Mount)
		in.provider.Mount(sub)
		s.guardRoutes(sub, in, in.Mount)
		addWellKnownAliases(r, in.Mount)
		if in.root {
			rootInst = in
		}
	}
	if rootInst != nil {
		// The root instance answers whatever nothing else matched. It is
		// reached through the miss handler rather than a last
		// PathPrefix("/") route so that a wrong method on another mount is
		// still a 405, not the root instance's 404.
		root := newRouter()
		s.answerMisses(root, nil)
		rootInst.provider.Mount(root)
		s.guardRoutes(root, rootInst, "")
		s.answerMisses(r, serveRouter(root))
	} else {
		s.answerMisses(r, nil)
	}

	return httpx.Chain(serveRouter(r),
		s.countInFlight,
		httpx.Recover(s.logger),
		httpx.RequestID(),
		httpx.AccessLog(s.logger),
		httpx.MaxBytes(s.cfg.Server.MaxBodyBytes),
		s.journal.Middleware(s.clock.Now, s.classify),
		providersOnly(httpx.CORS(httpx.OriginPolicy{Origins: s.cfg.Server.CORSOrigins})),
		httpx.DropAnswersToGoneClients(),
	)
}

// countInFlight keeps Server.InFlight and Server.Handled.
func (s *Server) countInFlight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		s.handled.Add(1)
		defer s.inFlight.Add(-1)
		next.ServeHTTP(w, r)
	})
}

// providersOnly applies mw to provider routes and never to the admin API:
// the default CORS policy lets any localhost page read answers with
// credentials, which the control plane must not allow.
func providersOnly(mw httpx.Middleware) httpx.Middleware {
	return func(next http.Handler) http.Handler {
		wrapped := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isAdminPath(r) {
				next.ServeHTTP(w, r)
				return
			}
			wrapped.ServeHTTP(w, r)
		})
	}
}

func isAdminPath(r *http.Request) bool {
	p := r.URL.EscapedPath()
	return p == AdminPrefix || strings.HasPrefix(p, AdminPrefix+"/")
}

// adminGate is the Host and cross-site rule of the admin API. The Host
// check is lifted when the server was bound to a non-loopback address on
// purpose; the base URL's (issuer_url's) host and origin are the server's
// own.
func (s *Server) adminGate() adminapi.Gate {
	g := adminapi.Gate{Hosts: slices.Clone(s.cfg.Server.AdminHosts), Origins: slices.Clone(s.cfg.Server.AdminOrigins)}
	if u, err := url.Parse(s.baseURL); err == nil && u.Hostname() != "" {
		// The public base URL is the server's own origin even when a
		// proxy in front terminates TLS (the request then arrives as http).
		g.Hosts = append(g.Hosts, u.Hostname())
		g.Origins = append(g.Origins, u.Scheme+"://"+u.Host)
	}
	addr := s.cfg.Server.Addr
	if s.listener != nil {
		addr = s.listener.Addr().String()
	}
	host, _, err := net.SplitHostPort(addr)
	g.AnyHost = err == nil && !adminapi.IsLoopbackName(host)
	return g
}

// lazyAdmin builds the control plane's router on its first request. Its
// thirty-odd routes each compile a regexp, a tenth of creating a server,
// and most servers (one per test) never call the admin API over HTTP.
func (s *Server) lazyAdmin() http.Handler {
	build := sync.OnceValue(func() http.Handler {
		r := newRouter()
		admin := prefixRouter(r, AdminPrefix)
		admin.HandleFunc("/health", health).Methods(http.MethodGet, http.MethodHead)
		admin.HandleFunc("/providers", s.listProviders).Methods(http.MethodGet, http.MethodHead)
		a := &adminapi.Admin{
			Clock: s.clock, Journal: s.journal, Faults: s.faults, Reset: s.Reset, Providers: s.Provider,
			Token: s.cfg.Server.AdminToken, Logger: s.logger,
		}
		admin.Handle("/providers/{name}/routes", a.Guard(http.HandlerFunc(s.listRoutes))).Methods(http.MethodGet, http.MethodHead)
		// What /providers masks, behind the admin guard: the dashboard's
		// "click to show" and its connector link.
		admin.Handle("/credentials", a.Guard(http.HandlerFunc(s.listCredentials))).Methods(http.MethodGet, http.MethodHead)
		a.Mount(admin)
		dashboard.Mount(admin, dashboard.Options{AdminBase: AdminPrefix, TokenRequired: a.Token != "", Guard: a.PageGuard})
		return serveRouter(r)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { build().ServeHTTP(w, r) })
}

// guardRoutes puts the fault rules of in, and the refusal of requests
// with several Authorization headers (unless the dialect refuses them
// itself), in front of every route the dialect mounted on r, each given
// the renderer the route declared. It wraps each route's handler once,
// after Mount, rather than through Router.Use, which builds the chain
// anew on every request and leaves the guards to find the route's
// renderer on the request (mux.CurrentRoute, which serveMatched does not
// set). The wrapper declares the same renderer, for whoever asks later.
func (s *Server) guardRoutes(r *mux.Router, in *instance, mount string) {
	_, checksItself := in.provider.(provider.AuthorizationChecker)
	logger := s.logger.With("provider", in.Name)
	_ = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		h := route.GetHandler()
		if h == nil {
			return nil // a subrouter's own route
		}
		declared := oauth.DeclaredRenderer(h)
		renderer := declared
		if renderer == nil {
			renderer = undeclaredRenderer
		}
		if !checksItself {
			h = oauth.SingleAuthorization(logger, renderer)(h)
		}
		h = s.faults.Middleware(in.Name, mount, renderer)(h)
		route.Handler(oauth.Rendered(declared, h))
		return nil
	})
}

// undeclaredRenderer writes faults and the several-Authorization refusal on
// a route that declared no renderer when it was mounted (oauth.RouteHandler):
// RFC 6749 JSON. Every route of the built-in dialects declares its own.
var undeclaredRenderer oauth.ErrorRenderer = oauth.RFC6749Renderer{}

// classify names the instance a request is for, for the journal; the
// admin API's own calls are not recorded.
func (s *Server) classify(r *http.Request) (string, bool) {
	p := r.URL.EscapedPath()
	if p == AdminPrefix || strings.HasPrefix(p, AdminPrefix+"/") {
		return "", false
	}
	var root string
	for _, in := range s.instances {
		if p == in.Mount || strings.HasPrefix(p, in.Mount+"/") {
			return in.Name, true
		}
		if in.root {
			root = in.Name
		}
	}
	return root, true // "" for a path no instance serves
}

// wellKnownDocs are the metadata documents an issuer may publish.
var wellKnownDocs = []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}

// addWellKnownAliases serves an instance's metadata where RFC 8414 §3.1
// looks for it when the issuer has a path: /.well-known/<doc> followed by
// the path (/.well-known/oauth-authorization-server/oidc), besides OIDC
// Discovery's <issuer>/.well-known/<doc>. The request is re-routed to the
// mount's own route, so the dialect needs to know nothing of it.
func addWellKnownAliases(r *mux.Router, mount string) {
	for _, doc := range wellKnownDocs {
		alias, target := doc+mount, mount+doc
		r.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
			return req.URL.EscapedPath() == alias
		}).HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			rerouted := req.Clone(req.Context())
			rerouted.URL.Path, rerouted.URL.RawPath = target, ""
			r.ServeHTTP(w, rerouted)
		})
	}
}

// newRouter returns a router that serves paths exactly as sent (no 301 to
// a cleaned path, encoded slashes kept) and answers misses in JSON.
func newRouter() *mux.Router {
	r := mux.NewRouter().SkipClean(true).UseEncodedPath()
	r.NotFoundHandler = missHandler(r, nil, nil)
	r.MethodNotAllowedHandler = missHandler(r, nil, nil)
	return r
}

// prefixRouter returns a subrouter for everything under prefix. gorilla's
// PathPrefix is a plain string prefix, so "/oidc" would also take
// "/oidcx"; the matcher keeps it to whole path segments. The matcher goes
// first: gorilla tries a route's matchers in order, and a string
// comparison turns away a request for another mount before the prefix's
// regular expression runs.
func prefixRouter(r *mux.Router, prefix string) *mux.Router {
	under := prefix + "/"
	return r.NewRoute().MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
		p := req.URL.EscapedPath()
		return p == prefix || strings.HasPrefix(p, under)
	}).PathPrefix(prefix).Subrouter()
}

// probeMethods are tried to tell a 405 from a 404 and fill in Allow.
var probeMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// missHandler answers a request router matched no route for: a 405 with
// the Allow header RFC 9110 §15.5.6 requires when the path exists for
// other methods, else fallback, else a 404. The answer is an *oauth.Error
// (not_found or method_not_allowed) written by the instance's renderer when
// render (if set) returns one for r, else as the server's JSON.
//
// It asks the router itself which methods would match instead of trusting
// gorilla's method-mismatch flag: in mux v1.8.1 a later route whose prefix
// matchers succeed clears that flag, so a subrouter's 405 arrives here as a
// plain miss.
func missHandler(router *mux.Router, fallback http.Handler, render func(*http.Request) oauth.ErrorRenderer) http.Handler {
	write := func(w http.ResponseWriter, r *http.Request, status int, code oauth.ErrorCode, message string) {
		e := &oauth.Error{Code: code, Description: message, Status: status}
		if render != nil {
			if er := render(r); er != nil {
				er.WriteError(w, r, e)
				return
			}
		}
		missJSON{}.WriteError(w, r, e)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allowed := withHead(allowedMethods(router, r)); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			write(w, r, http.StatusMethodNotAllowed, oauth.CodeMethodNotAllowed,
				fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.EscapedPath()))
			return
		}
		if fallback != nil {
			fallback.ServeHTTP(w, r)
			return
		}
		write(w, r, http.StatusNotFound, oauth.CodeNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.EscapedPath()))
	})
}

// allowedMethods lists the methods for which router has a route matching
// r's path; r.Method itself is left out, since it did not match.
func allowedMethods(router *mux.Router, r *http.Request) []string {
	var allowed []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if router.Match(probe, &match) && match.MatchErr == nil {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

func health(w http.ResponseWriter, _ *http.Request) {
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// listProviders serves every instance's name, dialect, URL and
// description, to anyone: it is the probe endpoint outside the admin
// guard, so client secrets and user passwords are shown as the fixtures
// API shows them, as fingerprints (the banner and the guarded fixtures
// API are where a developer finds them).
func (s *Server) listProviders(w http.ResponseWriter, _ *http.Request) {
	infos := s.Providers()
	for i := range infos {
		if d := infos[i].Description; d != nil {
			infos[i].Description = maskDescription(*d)
		}
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, infos)
}

// listCredentials is /providers unmasked; it is mounted behind the admin
// guard.
func (s *Server) listCredentials(w http.ResponseWriter, _ *http.Request) {
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, s.Providers())
}

// maskDescription returns a copy of d with secrets fingerprinted: client
// secrets, user passwords, and secret parameters of ready-made links (a
// Dotypos connector URL carries its client_secret).
func maskDescription(d provider.Description) *provider.Description {
	d.Endpoints = slices.Clone(d.Endpoints)
	for i := range d.Endpoints {
		d.Endpoints[i].URL = maskURL(d.Endpoints[i].URL)
	}
	d.Clients = slices.Clone(d.Clients)
	for i := range d.Clients {
		if d.Clients[i].Secret != "" {
			d.Clients[i].Secret = journal.Fingerprint(d.Clients[i].Secret)
		}
	}
	d.Users = slices.Clone(d.Users)
	for i := range d.Users {
		if d.Users[i].Password != "" {
			d.Users[i].Password = journal.Fingerprint(d.Users[i].Password)
		}
	}
	return &d
}

// maskURL fingerprints the values of a URL's secret query parameters.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	q := u.Query()
	changed := false
	for name, vs := range q {
		if !journal.IsSecretField(name) {
			continue
		}
		for i, v := range vs {
			vs[i] = journal.Fingerprint(v)
		}
		changed = true
	}
	if !changed {
		return raw
	}
	u.RawQuery = q.Encode()
	return u.String()
}
