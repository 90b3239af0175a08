package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gorilla/mux"
)

// serveRouter is how router is served, built once the router is
// complete. It serves HEAD as GET wherever a route takes GET, as
// net/http's own mux does (RFC 9110 §9.3.2): the dialects declare GET
// only, or check the method inside the handler, and a monitoring probe or
// `curl -I` should not get a 405. The handler sees GET; net/http discards
// the body it writes, since the connection's request is still HEAD, and
// the journal, outside the router, records HEAD. It answers fixed paths
// from a table (fixedRoutes), and the rest through serveMatched.
func serveRouter(router *mux.Router) http.Handler {
	fixed := newFixedRoutes(router)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			if routes(router, get) {
				serveMatched(router, w, get)
				return
			}
		}
		if h := fixed.lookup(r); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		serveMatched(router, w, r)
	})
}

// serveMatched is router.ServeHTTP (whose routers never clean paths)
// without the two copies of the request it makes on every match, to put
// the matched route and its variables in the context: no handler asks for
// the route (each route's guards were given its renderer when they were
// put in front of it, guardRoutes), and the variables go in only when the
// route has some. The token endpoint has none.
func serveMatched(router *mux.Router, w http.ResponseWriter, r *http.Request) {
	var match mux.RouteMatch
	var handler http.Handler
	if router.Match(r, &match) {
		handler = match.Handler
		if len(match.Vars) > 0 {
			r = mux.SetURLVars(r, match.Vars)
		}
	}
	if handler == nil && errors.Is(match.MatchErr, mux.ErrMethodMismatch) {
		handler = router.MethodNotAllowedHandler
	}
	if handler == nil {
		handler = router.NotFoundHandler
	}
	if handler == nil {
		handler = http.NotFoundHandler()
	}
	handler.ServeHTTP(w, r)
}

// routes reports whether router has a route for r (not its miss handlers).
func routes(router *mux.Router, r *http.Request) bool {
	var match mux.RouteMatch
	return router.Match(r, &match) && match.MatchErr == nil
}

// withHead adds HEAD to an Allow list that has GET, since serveRouter
// serves it.
func withHead(allowed []string) []string {
	if slices.Contains(allowed, http.MethodGet) && !slices.Contains(allowed, http.MethodHead) {
		i := slices.Index(allowed, http.MethodGet)
		allowed = slices.Insert(allowed, i+1, http.MethodHead)
	}
	return allowed
}
