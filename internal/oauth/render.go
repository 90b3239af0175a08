package oauth

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/httpx"
)

// ErrorRenderer writes an error in one dialect's wire format. Each dialect
// has exactly one.
type ErrorRenderer interface {
	WriteError(w http.ResponseWriter, r *http.Request, e *Error)
}

// RFC6749Renderer writes the RFC 6749 §5.2 JSON error body. When the client
// tried HTTP Basic authentication and failed, the 401 carries a matching
// WWW-Authenticate challenge, as §5.2 requires.
type RFC6749Renderer struct {
	// Realm names the protection space in WWW-Authenticate challenges.
	Realm string
}

type errorBody struct {
	Error            ErrorCode `json:"error"`
	ErrorDescription string    `json:"error_description,omitempty"`
	ErrorURI         string    `json:"error_uri,omitempty"`
}

// WriteError implements ErrorRenderer.
func (rr RFC6749Renderer) WriteError(w http.ResponseWriter, r *http.Request, e *Error) {
	status := e.StatusCode()
	copyHeader(w.Header(), e.Header)
	if e.Code == CodeInvalidClient && status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		if usedBasic(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+rr.realm()+`"`)
		}
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, status, errorBody{Error: e.Code, ErrorDescription: e.Description, ErrorURI: e.URI})
}

func (rr RFC6749Renderer) realm() string {
	if rr.Realm == "" {
		return "authmock"
	}
	return rr.Realm
}

func usedBasic(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Basic")
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}

// HandlerFunc is an HTTP handler that returns its failure instead of
// writing it, so that every error of an endpoint is rendered in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts fn: a returned error is converted with From, logged at its
// level with its cause, and written by renderer. A handler that has already
// written its response returns nil. The handler declares renderer as its
// route's (RouteHandler), so mounting it is the whole declaration:
//
//	r.Handle(PathIntrospect, oauth.Handle(p.log, p.renderer, p.serveIntrospect))
func Handle(logger *slog.Logger, renderer ErrorRenderer, fn HandlerFunc) RouteHandler {
	return Rendered(renderer, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		e := From(err)
		logger.LogAttrs(r.Context(), e.LogLevel(), "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", e))
		renderer.WriteError(w, r, e)
	}))
}
