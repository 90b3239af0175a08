package fastapi

import (
	"errors"
	"net/http"

	"github.com/authmock/authmock/internal/oauth"
)

// renderer is the dialect's error renderer: the dialect's own errors as
// FastAPI answers them ({"detail": ...}, a bare text 500), and any other
// *oauth.Error (an injected fault, the shared two-Authorization refusal)
// worded as the route that declared it would answer: the login routes
// (login, logout, users/me) and the refresh routes word an invalid grant
// and an invalid client differently.
type renderer struct {
	refresh bool
}

var (
	loginRenderer   = renderer{}
	refreshRenderer = renderer{refresh: true}
)

// WriteError implements oauth.ErrorRenderer.
func (rr renderer) WriteError(w http.ResponseWriter, _ *http.Request, e *oauth.Error) {
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch e.Code {
	case codeHTTPException:
		writeJSON(w, e.StatusCode(), detailBody{Detail: e.Description})
		return
	case codeValidation:
		var list validationList
		errors.As(e.Cause, &list)
		writeJSON(w, e.StatusCode(), detailBody{Detail: []validationError(list)})
		return
	}
	status, detail := rr.detail(e)
	if e.Status != 0 {
		status = e.Status
	}
	if status == http.StatusInternalServerError && detail == "" {
		writeInternalError(w)
		return
	}
	writeJSON(w, status, detailBody{Detail: detail})
}

// detail maps an OAuth code onto the status and detail the route answers
// with; an unexpected failure (server_error) is Starlette's bare 500.
func (rr renderer) detail(e *oauth.Error) (int, string) {
	switch e.Code {
	case oauth.CodeInvalidGrant:
		if rr.refresh {
			return http.StatusUnauthorized, detailRefreshExpired
		}
		return http.StatusBadRequest, detailBadCredentials
	case oauth.CodeInvalidClient:
		if rr.refresh {
			return http.StatusUnauthorized, detailInvalidClientID
		}
		return http.StatusUnauthorized, detailUnauthorized
	case oauth.CodeInvalidToken:
		return http.StatusUnauthorized, detailUnauthorized
	case oauth.CodeAccessDenied, oauth.CodeInsufficientScope, oauth.CodeUnauthorizedClient:
		return http.StatusForbidden, "Forbidden"
	case oauth.CodeInvalidRequest, oauth.CodeInvalidScope:
		return http.StatusBadRequest, e.Description
	case oauth.CodeSlowDown:
		return http.StatusTooManyRequests, "Too Many Requests"
	case oauth.CodeTemporarilyUnavailable:
		return http.StatusServiceUnavailable, "Service Unavailable"
	}
	return http.StatusInternalServerError, ""
}

var _ oauth.ErrorRenderer = renderer{}
