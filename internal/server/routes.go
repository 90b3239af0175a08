package server

import (
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/httpx"
)

// RouteInfo is one route of an instance, as a fault rule's path names it:
// a gorilla/mux template relative to the instance's mount.
type RouteInfo struct {
	Path    string   `json:"path"`
	Methods []string `json:"methods,omitempty"`
}

// Routes lists the routes of the instance called name in the order it
// mounts them, one entry per path; false when there is no such instance.
func (s *Server) Routes(name string) ([]RouteInfo, bool) {
	in := s.find(name)
	if in == nil {
		return nil, false
	}
	// A fresh router sees the templates without the mount prefix, exactly
	// as the fault middleware matches them; Mount may run more than once.
	r := mux.NewRouter()
	in.provider.Mount(r)
	out := []RouteInfo{}
	index := map[string]int{}
	_ = r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || tpl == "" {
			return nil // a prefix or matcher-only route names no path
		}
		methods, _ := route.GetMethods()
		i, seen := index[tpl]
		if !seen {
			index[tpl] = len(out)
			out = append(out, RouteInfo{Path: tpl})
			i = len(out) - 1
		}
		for _, m := range methods {
			if !slices.Contains(out[i].Methods, m) {
				out[i].Methods = append(out[i].Methods, m)
			}
		}
		return nil
	})
	return out, true
}

// listRoutes serves GET /_authmock/providers/{name}/routes, so that the
// dashboard can offer a fault rule's path from a list.
func (s *Server) listRoutes(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["name"]
	routes, ok := s.Routes(name)
	if !ok {
		httpx.WriteJSON(w, http.StatusNotFound, map[string]string{
			"error":             "not_found",
			"error_description": "no provider instance \"" + name + "\"; GET /_authmock/providers lists them",
		})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string][]RouteInfo{"routes": routes})
}
