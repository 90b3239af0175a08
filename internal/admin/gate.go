package admin

import (
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
)

// Gate keeps the control plane out of reach of web pages: of a page on
// another origin that sends a "simple" cross-site request (no preflight),
// and of a DNS-rebinding name that points at this machine. The access
// guard cannot tell either apart from a local developer, since both arrive
// from a loopback address.
type Gate struct {
	// AnyHost lifts the Host check: the server was bound to a non-loopback
	// address on purpose, so the names it is reached by are not known.
	AnyHost bool
	// Hosts are further Host names (without port) to answer, compared
	// case-insensitively: server.admin_hosts and issuer_url's host.
	Hosts []string
	// Origins are further origins allowed to change state, besides the
	// server's own (server.admin_origins).
	Origins []string
}

// Wrap applies the Host rule to every call and the cross-site rule to the
// calls that change state, refusing with 403 in the admin API's error
// shape.
func (g Gate) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.AnyHost && !g.hostAllowed(r.Host) {
			writeError(w, http.StatusForbidden, "forbidden",
				"the admin API answers requests for a loopback host only (localhost, 127.0.0.1, [::1]), not "+quoteHost(r.Host)+"; list the name in server.admin_hosts if it is yours")
			return
		}
		if changesState(r.Method) {
			if why := g.crossSite(r); why != "" {
				writeError(w, http.StatusForbidden, "forbidden", why)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// crossSite says why a state-changing call must be refused, or "". A call
// without browser markers (curl, scripts, Go's http.Client) passes as
// before: no browser sends one without Origin or Sec-Fetch-Site. A browser
// call must come from the server's own origin (or a configured one) and be
// one a page cannot send without a CORS preflight: JSON, or the
// X-Authmock header.
func (g Gate) crossSite(r *http.Request) string {
	origin, hasOrigin := r.Header["Origin"]
	site := r.Header.Get("Sec-Fetch-Site")
	if !hasOrigin && site == "" {
		return ""
	}
	configured := false
	if hasOrigin {
		o := ""
		if len(origin) == 1 {
			o = origin[0]
		}
		configured = o != "" && slices.ContainsFunc(g.Origins, func(c string) bool { return strings.EqualFold(c, o) })
		if !configured && !ownOrigin(r, o) {
			return "the admin API refuses state-changing calls from another origin (" + clipHeader(o) + "); only pages served by authmock itself or listed in server.admin_origins may make them"
		}
	}
	// A configured origin is another site by definition; otherwise the
	// browser's own verdict must agree.
	if !configured && site != "" && site != "same-origin" && site != "none" {
		return "the admin API refuses state-changing calls from another site (Sec-Fetch-Site: " + clipHeader(site) + ")"
	}
	if r.Header.Get("X-Authmock") == "1" {
		return ""
	}
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if media != "application/json" {
		return "a browser's state-changing admin call must send Content-Type: application/json or X-Authmock: 1, so that no page can send it as a simple cross-site request"
	}
	return ""
}

// ownOrigin reports whether origin is the server's own, as the request
// reached it: scheme://Host.
func ownOrigin(r *http.Request, origin string) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return origin != "" && strings.EqualFold(origin, scheme+"://"+r.Host)
}

func (g Gate) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return false
	}
	if IsLoopbackName(host) {
		return true
	}
	return slices.ContainsFunc(g.Hosts, func(h string) bool { return strings.EqualFold(h, host) })
}

// IsLoopbackName reports whether host (no port, no brackets) always means
// this machine: localhost and its subdomains (RFC 6761 §6.3), 127.0.0.0/8
// and ::1.
func IsLoopbackName(host string) bool {
	lower := strings.ToLower(host)
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func quoteHost(h string) string {
	if h == "" {
		return "an empty Host"
	}
	return `"` + clipHeader(h) + `"`
}

// clipHeader shortens a header value a client chose before it goes into
// an answer.
func clipHeader(s string) string {
	const max = 100
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
