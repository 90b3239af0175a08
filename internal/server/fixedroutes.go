package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"
)

// fixedRoutes holds, for every path a router's routes spell without
// variables, the handler router.Match chooses for each method: gorilla
// tries every route's regular expressions in turn on every request, which
// cost the token endpoint a tenth of its CPU. The answers are mux's own,
// worked out once when the router is complete; this works because every
// matcher authmock puts on its routers reads only the method and the
// escaped path (no Host, header or query matchers), and routes are never
// added once the server is built. A path or method not in the table,
// or a route with variables, goes to router.Match as before.
type fixedRoutes map[methodPath]http.Handler

type methodPath struct{ method, path string }

// newFixedRoutes asks router which handler serves each of its fixed
// paths with each method. A route that declares no methods is asked with
// every method a client may send it.
func newFixedRoutes(router *mux.Router) fixedRoutes {
	table := fixedRoutes{}
	_ = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || tpl == "" || strings.ContainsAny(tpl, "{}") {
			return nil
		}
		path := (&url.URL{Path: tpl}).EscapedPath()
		for _, method := range probeMethods {
			key := methodPath{method, path}
			if _, done := table[key]; done {
				continue
			}
			probe := &http.Request{Method: method, URL: &url.URL{Path: tpl}, Header: http.Header{}}
			var match mux.RouteMatch
			if router.Match(probe, &match) && match.MatchErr == nil && len(match.Vars) == 0 && match.Handler != nil {
				table[key] = match.Handler
			}
		}
		return nil
	})
	return table
}

// lookup returns the handler for r's method and path, or nil.
func (t fixedRoutes) lookup(r *http.Request) http.Handler {
	return t[methodPath{r.Method, r.URL.EscapedPath()}]
}
