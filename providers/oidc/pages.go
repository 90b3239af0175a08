package oidc

import (
	"embed"
	"net/http"

	"github.com/authmock/authmock/internal/authcode"
)

// templateFS holds the pages of this dialect's own beside the kit's: the
// end-session page.
//
//go:embed templates/*.html
var templateFS embed.FS

// errorPage is the data of the kit's error page and of loggedout.
type errorPage = authcode.ErrorPage

// renderPage writes a page with the instance's issuer in its banner.
func (p *Provider) renderPage(w http.ResponseWriter, status int, name string, data any) {
	p.flow.RenderPage(w, status, name, data)
}
