package dotypos

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
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

// renderPage writes an html/template page; rendering into a buffer first
// turns a template failure into a clean 500, not half a page.
func (p *Provider) renderPage(w http.ResponseWriter, status int, name string, data any) {
	switch d := data.(type) {
	case textPage:
		d.Issuer = p.deps.Issuer
		data = d
	case consentPage:
		d.Issuer = p.deps.Issuer
		data = d
	}
	var buf bytes.Buffer
	if err := p.pages.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("rendering a page failed", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The consent page must never be framed (clickjacking on Allow). No
	// form-action: Chromium applies it to the redirect after the post too,
	// which must reach the application's redirect URI.
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	// The legacy connector's URL carries the client secret: no Referer may
	// take it elsewhere. Not "no-referrer", which makes browsers send
	// "Origin: null" on the page's own form post.
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
