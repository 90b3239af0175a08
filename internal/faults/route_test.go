package faults

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

// namedRenderer writes its name and the error, so a test sees which
// renderer answered and with what.
type namedRenderer string

func (n namedRenderer) WriteError(w http.ResponseWriter, _ *http.Request, e *oauth.Error) {
	w.WriteHeader(e.StatusCode())
	kind := ""
	if e.Kind == oauth.KindAccessTokenExpired {
		kind = " expired"
	}
	_, _ = w.Write([]byte(string(n) + " " + string(e.Code) + kind))
}

// TestPresetsUseTheRouteRenderer: a preset error is written by the
// renderer its route declared when mounted, the fallback only where a
// route declared none; the expired_token preset says so by its kind.
func TestPresetsUseTheRouteRenderer(t *testing.T) {
	q := NewQueue(known)
	r := mux.NewRouter()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	r.Handle("/tm/api/user", oauth.Rendered(namedRenderer("bearer"), ok))
	r.Handle("/tm/api/access_token", oauth.Rendered(namedRenderer("league"), ok))
	r.Handle("/tm/plain", ok)
	r.Use(q.Middleware("tm", "/tm", namedRenderer("fallback")))

	tests := []struct {
		path, preset, want string
		status             int
	}{
		{"/api/user", "expired_token", "bearer invalid_token expired", 401},
		{"/api/user", "invalid_token", "bearer invalid_token", 401},
		{"/api/access_token", "invalid_grant", "league invalid_grant", 400},
		{"/api/access_token", "rate_limited", "league slow_down", 429},
		{"/plain", "server_error", "fallback server_error", 500},
	}
	for _, tc := range tests {
		t.Run(tc.path+" "+tc.preset, func(t *testing.T) {
			_, err := q.Add(Rule{Provider: "tm", Path: tc.path, Preset: tc.preset})
			require.NoError(t, err)
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/tm"+tc.path, nil))
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.want, rec.Body.String())
		})
	}
}
