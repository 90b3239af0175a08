package httpx

import (
	"bytes"
	"html/template"
	"net/http"
)

// WritePage renders the template called name with data and writes it as an
// HTML page with the headers every authmock page needs. Rendering into a
// buffer first turns a template failure into a clean 500 rather than half
// a page; the error is returned for the caller to log.
func WritePage(w http.ResponseWriter, status int, pages *template.Template, name string, data any) error {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Login and consent pages must never be framed (clickjacking on Allow).
	// No form-action: Chromium applies it to the redirect after the post
	// too, which must reach the application's redirect URI.
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	// A URL may carry a secret (the Dotypos legacy connector's): no Referer
	// may take it elsewhere. Not "no-referrer", which makes browsers send
	// "Origin: null" on the page's own form post.
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}
