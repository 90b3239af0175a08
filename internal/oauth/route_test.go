package oauth

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// namedRenderer writes its name, so a test sees which renderer answered.
type namedRenderer string

func (n namedRenderer) WriteError(w http.ResponseWriter, _ *http.Request, e *Error) {
	w.WriteHeader(e.StatusCode())
	_, _ = w.Write([]byte(string(n) + " " + string(e.Code)))
}

// TestRouteRenderer: the middleware in front of a route finds the renderer
// the route declared when it was mounted, whatever its URL; a route that
// declared none, or a request no route matched, gets the fallback.
func TestRouteRenderer(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	noop := func(http.ResponseWriter, *http.Request) error { return nil }
	r := mux.NewRouter()
	r.Handle("/handled", Handle(logger, namedRenderer("handled"), noop))
	r.Handle("/page", Rendered(namedRenderer("page"), http.NotFoundHandler()))
	r.Handle("/token", NewTokenEndpoint(nil, namedRenderer("token"), logger, 1<<10))
	// The same URL shape under another prefix declares another renderer:
	// nothing is read from the path.
	r.Handle("/api/userinfo", Rendered(namedRenderer("not-bearer"), http.NotFoundHandler()))
	r.Handle("/plain", http.NotFoundHandler())
	r.Handle("/nil", Rendered(nil, http.NotFoundHandler()))
	wrapper := func(next http.Handler) http.Handler { return http.HandlerFunc(next.ServeHTTP) }
	r.Handle("/wrapped", Wrap(Handle(logger, namedRenderer("wrapped"), noop), wrapper))
	r.Handle("/hidden", wrapper(Handle(logger, namedRenderer("hidden"), noop)))
	var seen string
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			seen = string(RouteRenderer(req, namedRenderer("fallback")).(namedRenderer))
		})
	})
	for path, want := range map[string]string{
		"/handled": "handled", "/page": "page", "/token": "token", "/api/userinfo": "not-bearer",
		"/plain": "fallback", "/nil": "fallback",
		// A wrapper keeps the declaration only through Wrap.
		"/wrapped": "wrapped", "/hidden": "fallback",
	} {
		t.Run(path, func(t *testing.T) {
			seen = ""
			r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
			assert.Equal(t, want, seen)
		})
	}
	t.Run("outside a router", func(t *testing.T) {
		got := RouteRenderer(httptest.NewRequest(http.MethodGet, "/handled", nil), namedRenderer("fallback"))
		assert.Equal(t, namedRenderer("fallback"), got)
	})
}

// TestHandleRendersWithTheDeclaredRenderer: the handler's own errors go
// through the renderer it declares.
func TestHandleRendersWithTheDeclaredRenderer(t *testing.T) {
	t.Parallel()
	h := Handle(slog.New(slog.DiscardHandler), namedRenderer("mine"), func(http.ResponseWriter, *http.Request) error {
		return InvalidGrant("x")
	})
	assert.Equal(t, namedRenderer("mine"), h.ErrorRenderer())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "mine invalid_grant", rec.Body.String())
}

// TestSingleAuthorizationUsesTheRouteRenderer: the refusal of several
// Authorization headers reads as the matched route's errors.
func TestSingleAuthorizationUsesTheRouteRenderer(t *testing.T) {
	t.Parallel()
	r := mux.NewRouter()
	r.Handle("/userinfo", Rendered(BearerRenderer{Realm: "https://issuer"}, http.NotFoundHandler()))
	r.Handle("/plain", http.NotFoundHandler())
	r.Use(SingleAuthorization(slog.New(slog.DiscardHandler), namedRenderer("fallback")))
	send := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Add("Authorization", "Bearer a")
		req.Header.Add("Authorization", "Bearer b")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	rec := send("/userinfo")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"the request carries 2 Authorization headers; send one"}`, rec.Body.String())
	assert.Equal(t, `Bearer realm="https://issuer", error="invalid_request", error_description="the request carries 2 Authorization headers; send one"`,
		rec.Header().Get("WWW-Authenticate"))

	rec = send("/plain")
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "fallback invalid_request", rec.Body.String())
}

// TestAccessTokenExpired: the kind, not a wrapped cause, says the token expired.
func TestAccessTokenExpired(t *testing.T) {
	t.Parallel()
	e := AccessTokenExpired("the access token expired")
	assert.Equal(t, CodeInvalidToken, e.Code)
	assert.Equal(t, KindAccessTokenExpired, e.Kind)
	assert.Equal(t, http.StatusUnauthorized, e.StatusCode())
	require.ErrorIs(t, e, ErrInvalidToken)
	assert.Nil(t, e.Cause)
	assert.Zero(t, InvalidToken("x").Kind)
}

// TestMissCodes: the server's own codes for a request no route takes.
func TestMissCodes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, http.StatusNotFound, (&Error{Code: CodeNotFound}).StatusCode())
	assert.Equal(t, http.StatusMethodNotAllowed, (&Error{Code: CodeMethodNotAllowed}).StatusCode())
}
