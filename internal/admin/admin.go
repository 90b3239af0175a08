package admin

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/faults"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
)

// Admin serves the control plane. Every field but Token and Logger is
// required.
type Admin struct {
	Clock   *clock.Controlled
	Journal *journal.Journal
	Faults  *faults.Queue
	// Reset returns the whole server to its configured fixtures with all
	// state cleared.
	Reset func(ctx context.Context) error
	// Providers returns the provider instance called name, or nil.
	Providers func(name string) provider.Provider
	// Token, when set, is the bearer token every call must present, and
	// lifts the loopback-only restriction.
	Token  string
	Logger *slog.Logger

	// fixtureMu serialises fixture changes, so that a PATCH's read and
	// write see no other change in between.
	fixtureMu sync.Mutex
}

// Mount registers the control-plane routes on r, the /_authmock
// subrouter, behind the access guard.
func (a *Admin) Mount(r *mux.Router) {
	g := r.NewRoute().Subrouter()
	g.Use(a.guard)
	handle := func(path string, fn func(http.ResponseWriter, *http.Request) error, methods ...string) {
		g.Handle(path, a.handler(fn)).Methods(methods...)
	}
	handle("/clock", a.getClock, http.MethodGet)
	handle("/clock", a.setClock, http.MethodPut, http.MethodPost)
	handle("/clock/advance", a.advanceClock, http.MethodPost)
	handle("/clock/freeze", a.freezeClock, http.MethodPost)
	handle("/clock/unfreeze", a.unfreezeClock, http.MethodPost)
	handle("/clock/reset", a.resetClock, http.MethodPost)

	handle("/journal", a.listJournal, http.MethodGet)
	handle("/journal", a.clearJournal, http.MethodDelete)

	handle("/faults", a.listFaults, http.MethodGet)
	handle("/faults", a.addFault, http.MethodPost)
	handle("/faults", a.clearFaults, http.MethodDelete)
	handle("/faults/presets", a.listPresets, http.MethodGet)
	handle("/faults/{id}", a.deleteFault, http.MethodDelete)

	handle("/providers/{name}/tokens", a.mint, http.MethodPost)
	handle("/providers/{name}/tokens/revoke", a.revokeTokens, http.MethodPost)
	handle("/providers/{name}/tokens/expire", a.expireTokens, http.MethodPost)
	handle("/providers/{name}/tokens/inspect", a.inspectTokens, http.MethodPost)
	handle("/providers/{name}/fixtures", a.fixtureKinds, http.MethodGet)
	handle("/providers/{name}/device/{user_code}/approve", a.approveDevice, http.MethodPost)
	handle("/providers/{name}/device/{user_code}/deny", a.denyDevice, http.MethodPost)
	fixture := func(path string, fn func(http.ResponseWriter, *http.Request) error, method string) {
		g.Handle(path, a.handler(fn)).Methods(method).MatcherFunc(notReservedKind)
	}
	fixture("/providers/{name}/{kind}", a.listFixtures, http.MethodGet)
	fixture("/providers/{name}/{kind}/{id}", a.getFixture, http.MethodGet)
	fixture("/providers/{name}/{kind}/{id}", a.putFixture, http.MethodPut)
	fixture("/providers/{name}/{kind}/{id}", a.patchFixture, http.MethodPatch)
	fixture("/providers/{name}/{kind}/{id}", a.deleteFixture, http.MethodDelete)

	handle("/reset", a.reset, http.MethodPost)
}

// notReservedKind keeps the fixture routes off /providers/{name}/tokens
// and /fixtures, so a wrong method there is a 405, not a missing kind.
func notReservedKind(r *http.Request, _ *mux.RouteMatch) bool {
	parts := strings.Split(r.URL.Path, "/")
	for i, p := range parts {
		if p == "providers" && i+2 < len(parts) {
			return parts[i+2] != "tokens" && parts[i+2] != "fixtures"
		}
	}
	return true
}

// guard admits a call with the configured token, or, without one, from a
// loopback address only: the control plane can mint and revoke anything,
// so it must not be open to the network by accident.
func (a *Admin) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Token != "" {
			got, ok := httpx.BearerToken(r)
			if !ok || !oauth.SecretEqual(got, a.Token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="authmock admin"`)
				writeError(w, http.StatusUnauthorized, "unauthorized", "the admin API needs Authorization: Bearer <server.admin_token>")
				return
			}
		} else if !fromLoopback(r) {
			writeError(w, http.StatusForbidden, "forbidden", "the admin API answers loopback clients only; set server.admin_token to open it to others")
			return
		}
		httpx.NoStore(w)
		next.ServeHTTP(w, r)
	})
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
