package dotypos

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/authmock/authmock/internal/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

func parsePages() (*template.Template, error) {
	return template.ParseFS(templateFS, "templates/*.html")
}

// textPage is the data of the error and denied pages.
type textPage struct {
	Title, Message, Issuer string
}

// consentPage is the data of the interactive connector page.
type consentPage struct {
	Title, Issuer, AppName, Username, Action, ConsentID, Error string
	Clouds                                                     []consentCloud
}

type consentCloud struct {
	ID      int64
	Name    string
	Checked bool
}

func (p *Provider) showError(w http.ResponseWriter, e *pageError) {
	p.renderPage(w, e.status, "error", textPage{Title: "Cannot connect the application", Message: e.message})
}

// renderPage writes a page with the instance's issuer in its banner.
func (p *Provider) renderPage(w http.ResponseWriter, status int, name string, data any) {
	switch d := data.(type) {
	case textPage:
		d.Issuer = p.deps.Issuer
		data = d
	case consentPage:
		d.Issuer = p.deps.Issuer
		data = d
	}
	if err := httpx.WritePage(w, status, p.pages, name, data); err != nil {
		p.log.Error("rendering a page failed", "page", name, "error", err)
	}
}
