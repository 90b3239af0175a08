package oauth

import (
	"net/http"

	"github.com/gorilla/mux"
)

// RouteHandler is a route's handler that declares the renderer of every
// error on its route: the handler's own, an injected fault's, and the
// refusal of a request with several Authorization headers. A dialect
// declares it when it mounts the route, by mounting a handler built by
// Handle (or TokenEndpoint) or wrapped by Rendered; the middleware in front
// of the route then finds it on the matched route (RouteRenderer), never
// by reading the URL.
type RouteHandler interface {
	http.Handler
	ErrorRenderer() ErrorRenderer
}

// Rendered declares renderer for a route whose handler writes its own
// answers (a page, a redirect), so that faults injected on the route are
// written as the route's clients expect:
//
//	r.Handle(PathAuthorize, oauth.Rendered(p.renderer, http.HandlerFunc(p.serveAuthorize)))
func Rendered(renderer ErrorRenderer, h http.Handler) RouteHandler {
	return routeHandler{Handler: h, renderer: renderer}
}

type routeHandler struct {
	http.Handler
	renderer ErrorRenderer
}

func (rh routeHandler) ErrorRenderer() ErrorRenderer { return rh.renderer }

// RouteRenderer returns the renderer the route r matched declared, or
// fallback when r matched no route or its route declared none. It works in
// gorilla/mux middleware (Router.Use), which runs after the match.
func RouteRenderer(r *http.Request, fallback ErrorRenderer) ErrorRenderer {
	if route := mux.CurrentRoute(r); route != nil {
		if er := DeclaredRenderer(route.GetHandler()); er != nil {
			return er
		}
	}
	return fallback
}

// DeclaredRenderer is the renderer h declared (RouteHandler), or nil.
func DeclaredRenderer(h http.Handler) ErrorRenderer {
	if rh, ok := h.(RouteHandler); ok {
		return rh.ErrorRenderer()
	}
	return nil
}

// Wrap applies mw to a route's handler and keeps the renderer the handler
// declared: a wrapper added at mount (a DPoP nonce on the token endpoint,
// say) would otherwise hide the declaration, and faults on the route would
// fall back to RFC 6749 JSON.
//
//	r.Handle(PathToken, oauth.Wrap(p.token, p.dpopNonces))
func Wrap(h RouteHandler, mw func(http.Handler) http.Handler) RouteHandler {
	return Rendered(h.ErrorRenderer(), mw(h))
}
