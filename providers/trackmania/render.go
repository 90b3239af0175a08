package trackmania

import (
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/oauth"
)

// WriteError renders an error raised outside the dialect's handlers (an
// injected fault) as the route it hit would: league's JSON on the token
// endpoint, RFC 6749 JSON on the authorize endpoint, RFC 6750 bearer
// errors on the resource routes.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, e *oauth.Error) {
	if isResourcePath(r.URL.Path) {
		p.bearer.WriteError(w, r, e)
		return
	}
	if strings.HasSuffix(r.URL.Path, PathToken) {
		leagueRenderer{}.WriteError(w, r, e)
		return
	}
	p.renderer.WriteError(w, r, e)
}

// isResourcePath: every /api/ route but the token endpoint, whatever the
// mount in front of it.
func isResourcePath(path string) bool {
	return strings.Contains(path, "/api/") && !strings.HasSuffix(path, PathToken)
}

var _ oauth.ErrorRenderer = (*Provider)(nil)
