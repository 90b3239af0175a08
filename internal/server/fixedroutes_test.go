package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The table answers exactly the fixed paths and methods a route serves;
// everything else (another method, a path with variables, an unknown
// path) is left to gorilla's matching, which answers 405s and 404s.
func TestFixedRoutes(t *testing.T) {
	r := newRouter()
	sub := prefixRouter(r, "/oidc")
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(name)) })
	}
	sub.Handle("/token", named("token"))
	sub.Handle("/jwks", named("jwks")).Methods(http.MethodGet)
	sub.Handle("/clouds/{id}", named("cloud")).Methods(http.MethodGet)
	table := newFixedRoutes(r)

	served := func(method, target string) string {
		h := table.lookup(httptest.NewRequest(method, target, nil))
		if h == nil {
			return ""
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec.Body.String()
	}
	for _, tc := range []struct{ method, target, want string }{
		{http.MethodPost, "/oidc/token", "token"},
		{http.MethodGet, "/oidc/token", "token"},
		{http.MethodGet, "/oidc/jwks", "jwks"},
		{http.MethodPost, "/oidc/jwks", ""},    // a 405, from the router
		{http.MethodGet, "/oidc/clouds/7", ""}, // variables: the router sets them
		{http.MethodGet, "/oidc/tokenx", ""},   // no such path
		{http.MethodGet, "/oidc/%74oken", ""},  // spelled otherwise: the router decides
		{http.MethodGet, "/oidcx/token", ""},   // not under the mount
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			assert.Equal(t, tc.want, served(tc.method, tc.target))
		})
	}
	require.Len(t, table, len(probeMethods)+1, "token takes every method, jwks one")
}
