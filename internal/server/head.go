package server

import (
	"net/http"
	"slices"

	"github.com/gorilla/mux"
)

// headAsGet serves HEAD as GET wherever a route takes GET, as net/http's
// own mux does (RFC 9110 §9.3.2): the dialects declare GET only, or check
// the method inside the handler, and a monitoring probe or `curl -I`
// should not get a 405. The handler sees GET; net/http discards the body it
// writes, since the connection's request is still HEAD, and the journal,
// outside the router, records HEAD.
func headAsGet(router *mux.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			if routes(router, get) {
				router.ServeHTTP(w, get)
				return
			}
		}
		router.ServeHTTP(w, r)
	})
}

// routes reports whether router has a route for r (not its miss handlers).
func routes(router *mux.Router, r *http.Request) bool {
	var match mux.RouteMatch
	return router.Match(r, &match) && match.MatchErr == nil
}

// withHead adds HEAD to an Allow list that has GET, since headAsGet
// serves it.
func withHead(allowed []string) []string {
	if slices.Contains(allowed, http.MethodGet) && !slices.Contains(allowed, http.MethodHead) {
		i := slices.Index(allowed, http.MethodGet)
		allowed = slices.Insert(allowed, i+1, http.MethodHead)
	}
	return allowed
}
