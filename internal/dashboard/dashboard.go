package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/mux"
)

// Path is where the page is served, below the admin prefix.
const Path = "/ui"

//go:embed page.html.tmpl static
var files embed.FS

var page = template.Must(template.ParseFS(files, "page.html.tmpl"))

// contentSecurityPolicy allows the page's own script, stylesheet and API
// calls and nothing else: no inline script or style, no other origin, no
// framing (clickjacking a control plane would be a way to reset it), no
// form posting anywhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Options configure the page.
type Options struct {
	// AdminBase is the admin API's path prefix ("/_authmock").
	AdminBase string
	// TokenRequired says the admin API wants a bearer token, which the page
	// then asks for.
	TokenRequired bool
	// Guard wraps every route: the admin API's access rule for pages.
	Guard func(http.Handler) http.Handler
}

// Mount registers the page and its assets on r, the admin subrouter.
func Mount(r *mux.Router, opts Options) {
	var buf bytes.Buffer
	// The page depends on nothing per request, so it is rendered once.
	if err := page.Execute(&buf, opts); err != nil {
		panic("dashboard: page template: " + err.Error()) // a bug in the embedded template
	}
	html := buf.Bytes()
	guard := opts.Guard
	if guard == nil {
		guard = func(h http.Handler) http.Handler { return h }
	}
	r.Handle(Path, guard(secured(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(html)
	})))).Methods(http.MethodGet, http.MethodHead)
	r.Handle(Path+"/static/{file}", guard(secured(http.HandlerFunc(serveStatic)))).Methods(http.MethodGet, http.MethodHead)
}

// secured adds the headers every dashboard response carries.
func secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["file"]
	ct, known := contentTypes[path.Ext(name)]
	b, err := fs.ReadFile(files, "static/"+name)
	if !known || err != nil || strings.Contains(name, "/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not_found","error_description":"no such dashboard file"}`))
		return
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(b)
}
