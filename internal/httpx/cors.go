package httpx

import (
	"net/http"
	"net/url"
	"strings"
)

// OriginPolicy decides which browser origins may call authmock.
type OriginPolicy struct {
	// Origins lists allowed origins exactly ("https://app.example.com"), or
	// "*" for any. Empty means any http(s) origin on localhost, 127.0.0.1 or
	// [::1], whatever the port: the single-page apps developers run locally.
	Origins []string
}

// Allows reports whether origin may make cross-origin calls.
func (p OriginPolicy) Allows(origin string) bool {
	if len(p.Origins) == 0 {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return false
		}
		switch u.Hostname() {
		case "localhost", "127.0.0.1", "::1":
			return true
		}
		return false
	}
	for _, o := range p.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// CORS answers preflight requests and marks responses readable by allowed
// origins, so browser apps can call discovery, JWKS, token and userinfo.
// Disallowed origins get no CORS headers, and the browser blocks them.
func CORS(p OriginPolicy) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Add("Vary", "Origin")
			if !p.Allows(origin) {
				next.ServeHTTP(w, r)
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Add("Vary", "Access-Control-Request-Method")
				h.Add("Vary", "Access-Control-Request-Headers")
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
				if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
					h.Set("Access-Control-Allow-Headers", req)
				}
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, ETag, Retry-After, Location, X-Request-Id, DPoP-Nonce")
			next.ServeHTTP(w, r)
		})
	}
}
