package oidc

import (
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/oauth"
)

// WriteError renders an error raised outside the dialect's handlers (an
// injected fault) as the endpoint it hit would: an RFC 6750 bearer error at
// userinfo, RFC 6749 JSON everywhere else.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, e *oauth.Error) {
	if strings.HasSuffix(r.URL.Path, PathUserinfo) {
		p.bearer.WriteError(w, r, e)
		return
	}
	p.renderer.WriteError(w, r, e)
}

var _ oauth.ErrorRenderer = (*Provider)(nil)
