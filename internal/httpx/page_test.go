package httpx

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWritePage(t *testing.T) {
	pages := template.Must(template.New("hello").Parse(`<p>Hello {{.}}</p>`))
	template.Must(pages.New("broken").Parse(`{{.Missing.Field}}`))

	rec := httptest.NewRecorder()
	require.NoError(t, WritePage(rec, http.StatusForbidden, pages, "hello", "<script>"))
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Equal(t, "<p>Hello &lt;script&gt;</p>", rec.Body.String(), "html/template escapes")
	for k, v := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
		"Referrer-Policy":         "same-origin",
	} {
		assert.Equal(t, v, rec.Header().Get(k), k)
	}

	rec = httptest.NewRecorder()
	assert.Error(t, WritePage(rec, http.StatusOK, pages, "broken", 42))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, "internal error\n", rec.Body.String(), "no half-rendered page")
}
