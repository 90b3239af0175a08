package admin

import (
	"net/http"

	"github.com/authmock/authmock/internal/httpx"
)

// Guard wraps next in the admin API's access rule, for control-plane
// routes mounted outside Mount.
func (a *Admin) Guard(next http.Handler) http.Handler { return a.guard(next) }

// PageGuard guards files that hold no data of their own (the dashboard's
// page, script and stylesheet). Without a token it is the API's rule:
// loopback only. With one, the files are served to anyone who may reach
// the server, because a browser cannot send a bearer token when it
// navigates to a page; the page asks for the token and presents it on
// every API call, which the API checks as always.
func (a *Admin) PageGuard(next http.Handler) http.Handler {
	if a.Token == "" {
		return a.guard(next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.NoStore(w)
		next.ServeHTTP(w, r)
	})
}
