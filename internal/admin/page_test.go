package admin

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPageGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("page")) })
	tests := []struct {
		name, token, from string
		want              int
		wantBody          string
	}{
		{"no token, loopback", "", "127.0.0.1:1", 200, "page"},
		{"no token, other address", "", "192.0.2.7:1", 403,
			`{"error":"forbidden","error_description":"the admin API answers loopback clients only; set server.admin_token to open it to others"}`},
		{"token, other address, no bearer: the page asks for it", "0123456789abcdef", "192.0.2.7:1", 200, "page"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &Admin{Token: tc.token}
			req := httptest.NewRequest(http.MethodGet, "/_authmock/ui", nil)
			req.RemoteAddr = tc.from
			rec := httptest.NewRecorder()
			a.PageGuard(ok).ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code)
			assert.Equal(t, tc.wantBody, rec.Body.String())
			if tc.want == 200 {
				assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

// Guard is the API's own rule, token and all.
func TestGuardExported(t *testing.T) {
	a := &Admin{Token: "0123456789abcdef"}
	rec := httptest.NewRecorder()
	a.Guard(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_authmock/providers/x/routes", nil))
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, `Bearer realm="authmock admin"`, rec.Header().Get("WWW-Authenticate"))
}
