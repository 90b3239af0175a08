package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/provider"
)

// answerMisses sets router's 404 and 405 handlers: the server's JSON, or
// the dialect's format for a path on the mount of an instance that renders
// its own misses (provider.MissRenderer). fallback, when set, is tried for
// a plain miss before the 404.
func (s *Server) answerMisses(router *mux.Router, fallback http.Handler) {
	router.NotFoundHandler = missHandler(router, fallback, s.missRenderer)
	router.MethodNotAllowedHandler = missHandler(router, nil, s.missRenderer)
}

// missRenderer returns the MissRenderer of the instance whose mount holds
// r's path (the root instance for a path no other mount holds), or nil.
func (s *Server) missRenderer(r *http.Request) provider.MissRenderer {
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

func missRendererOf(in *instance) provider.MissRenderer {
	if mr, ok := provider.As[provider.MissRenderer](in.provider); ok {
		return mr
	}
	return nil
}
