package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
)

// answerMisses sets router's 404 and 405 handlers: the server's JSON, or
// the instance's own renderer for a path on the mount of an instance that
// has one. fallback, when set, is tried for a plain miss before the 404.
func (s *Server) answerMisses(router *mux.Router, fallback http.Handler) {
	router.NotFoundHandler = missHandler(router, fallback, s.missRenderer)
	router.MethodNotAllowedHandler = missHandler(router, nil, s.missRenderer)
}

// missRenderer returns the renderer of misses of the instance whose mount
// holds r's path (the root instance for a path no other mount holds), or
// nil. A miss matched no route, so no route's renderer applies: an instance
// whose API words its 404 and 405 answers implements oauth.ErrorRenderer
// itself (Dotypos clients read message and status of a 405); which
// instance is the mount's business, decided here as for the journal.
func (s *Server) missRenderer(r *http.Request) oauth.ErrorRenderer {
	if isAdminPath(r) {
		return nil
	}
	p := r.URL.EscapedPath()
	var root *instance
	for _, in := range s.instances {
		if p == in.Mount || strings.HasPrefix(p, in.Mount+"/") {
			return missRendererOf(in)
		}
		if in.root {
			root = in
		}
	}
	if root == nil {
		return nil
	}
	return missRendererOf(root)
}

func missRendererOf(in *instance) oauth.ErrorRenderer {
	if er, ok := provider.As[oauth.ErrorRenderer](in.provider); ok {
		return er
	}
	return nil
}

// missJSON is the server's own answer to a miss:
// {"error": "not_found", "error_description": "no route for GET /x"}.
type missJSON struct{}

func (missJSON) WriteError(w http.ResponseWriter, _ *http.Request, e *oauth.Error) {
	httpx.WriteJSON(w, e.StatusCode(), map[string]string{"error": string(e.Code), "error_description": e.Description})
}
