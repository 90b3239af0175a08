package dashboard

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newRouter(opts Options) http.Handler {
	r := mux.NewRouter().SkipClean(true).UseEncodedPath() // as the server's
	Mount(r.PathPrefix("/_authmock").Subrouter(), opts)
	return r
}

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestPage(t *testing.T) {
	h := newRouter(Options{AdminBase: "/_authmock"})
	rec := get(h, "/_authmock/ui")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		rec.Header().Get("Content-Security-Policy"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "DENY", rec.Header().Get("X-Frame-Options"))
	assert.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))

	body := rec.Body.String()
	assert.Contains(t, body, `<script src="/_authmock/ui/static/app.js" defer></script>`)
	assert.Contains(t, body, `<link rel="stylesheet" href="/_authmock/ui/static/app.css">`)
	assert.Contains(t, body, `data-admin="/_authmock" data-token-required="false"`)

	// What the policy would refuse, so the page must not contain it: inline
	// script, inline style, inline event handlers, javascript: URLs.
	assert.Equal(t, 1, strings.Count(body, "<script"), "one script element")
	assert.NotRegexp(t, regexp.MustCompile(`<script(\s[^>]*)?>[^<]`), body, "no inline script")
	assert.NotContains(t, body, "<style")
	assert.NotRegexp(t, regexp.MustCompile(`\sstyle=`), body)
	assert.NotRegexp(t, regexp.MustCompile(`\son[a-z]+=`), body)
	assert.NotContains(t, body, "javascript:")
	assert.NotRegexp(t, regexp.MustCompile(`(src|href)="(https?:)?//`), body, "no other origin: works offline")
}

func TestPageSaysATokenIsNeeded(t *testing.T) {
	rec := get(newRouter(Options{AdminBase: "/_authmock", TokenRequired: true}), "/_authmock/ui")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `data-token-required="true"`)
}

func TestAssets(t *testing.T) {
	h := newRouter(Options{AdminBase: "/_authmock"})
	tests := []struct {
		path, contentType, contains string
	}{
		{"/_authmock/ui/static/app.js", "text/javascript; charset=utf-8", "async function api("},
		{"/_authmock/ui/static/app.css", "text/css; charset=utf-8", ".countdown"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(h, tc.path)
			require.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tc.contentType, rec.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.Contains(t, rec.Body.String(), tc.contains)
		})
	}
	for _, path := range []string{"/_authmock/ui/static/missing.js", "/_authmock/ui/static/app.txt", "/_authmock/ui/static/..%2fpage.html.tmpl"} {
		t.Run(path, func(t *testing.T) {
			rec := get(h, path)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.NotContains(t, rec.Body.String(), "<html")
		})
	}
	rec := get(h, "/_authmock/ui/static/missing.js")
	assert.JSONEq(t, `{"error":"not_found","error_description":"no such dashboard file"}`, rec.Body.String())
}

// The script inserts server data as text only, and marks every
// state-changing call the way the admin API's cross-site rule asks.
func TestScriptRules(t *testing.T) {
	js, err := files.ReadFile("static/app.js")
	require.NoError(t, err)
	src := string(js)
	for _, banned := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		assert.NotContains(t, src, banned)
	}
	assert.Contains(t, src, `headers['Content-Type'] = 'application/json';`)
	assert.Contains(t, src, `headers['X-Authmock'] = '1';`)
	assert.Contains(t, src, `credentials: 'same-origin'`)
	assert.Regexp(t, regexp.MustCompile(`if \(method !== 'GET'\) \{`), src, "every method but GET carries them")
}

func TestGuardWrapsEveryRoute(t *testing.T) {
	deny := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) })
	}
	h := newRouter(Options{AdminBase: "/_authmock", Guard: deny})
	for _, path := range []string{"/_authmock/ui", "/_authmock/ui/static/app.js", "/_authmock/ui/static/app.css"} {
		assert.Equal(t, http.StatusForbidden, get(h, path).Code, path)
	}
}

func TestHead(t *testing.T) {
	h := newRouter(Options{AdminBase: "/_authmock"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/_authmock/ui", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
}
