package oauth

import (
	"log/slog"
	"net/http"
)

// SingleAuthorization refuses a request with more than one Authorization
// header as invalid_request (400), written by the renderer the matched
// route declared (RouteRenderer), fallback for a route that declared none. Which header a
// handler reads would otherwise decide whose credentials count, and a proxy
// or cache in front may pick the other one; RFC 6749 §5.2 and RFC 6750
// §3.1 name invalid_request for a request with more than one credential.
// It runs on each provider instance's routes, so no dialect can forget it.
func SingleAuthorization(logger *slog.Logger, fallback ErrorRenderer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n := len(r.Header.Values("Authorization")); n > 1 {
				e := InvalidRequest("the request carries %d Authorization headers; send one", n)
				logger.LogAttrs(r.Context(), e.LogLevel(), "request failed",
					slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", e))
				RouteRenderer(r, fallback).WriteError(w, r, e)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
