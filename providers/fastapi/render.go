package fastapi

import (
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/oauth"
)

// WriteError renders an error raised outside the dialect's handlers (an
// injected fault) as fastapi answers: {"detail": ...} with the wording the
// route it hit would use.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, e *oauth.Error) {
	status, detail := faultDetail(r.URL.Path, e)
	if e.Status != 0 {
		status = e.Status
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if status == http.StatusInternalServerError && detail == "" {
		writeInternalError(w)
		return
	}
	writeJSON(w, status, detailBody{Detail: detail})
}

func faultDetail(path string, e *oauth.Error) (int, string) {
	refresh := strings.Contains(path, "refresh")
	switch e.Code {
	case oauth.CodeInvalidGrant:
		if refresh {
			return http.StatusUnauthorized, detailRefreshExpired
		}
		return http.StatusBadRequest, "LOGIN_BAD_CREDENTIALS"
	case oauth.CodeInvalidClient:
		if refresh {
			return http.StatusUnauthorized, "Invalid Client ID"
		}
		return http.StatusUnauthorized, "Unauthorized"
	case oauth.CodeInvalidToken:
		return http.StatusUnauthorized, "Unauthorized"
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

var _ oauth.ErrorRenderer = (*Provider)(nil)
