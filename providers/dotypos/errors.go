package dotypos

import (
	"net/http"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// Reasons of the dialect's one error body, {"reason": "<REASON>"}. The
// spellings ACCESS_TOKEN_EXPIRED and DOMAIN_FORBIDDEN are the ones real
// clients' tests mock; the others follow the same style (contract §A.4).
const (
	ReasonInvalidAuthHeader   = "INVALID_AUTH_HEADER"
	ReasonInvalidRefreshToken = "INVALID_REFRESH_TOKEN"
	ReasonInvalidAccessToken  = "INVALID_ACCESS_TOKEN"
	ReasonAccessTokenExpired  = "ACCESS_TOKEN_EXPIRED"
	ReasonCloudForbidden      = "CLOUD_FORBIDDEN"
	ReasonInvalidContentType  = "INVALID_CONTENT_TYPE"
	ReasonInvalidBody         = "INVALID_REQUEST_BODY"
	ReasonInvalidCloudID      = "INVALID_CLOUD_ID"
	ReasonInvalidQuery        = "INVALID_QUERY_PARAMETER"
	ReasonRequestTooLarge     = "REQUEST_TOO_LARGE"
	ReasonInternal            = "INTERNAL_SERVER_ERROR"
)

// apiError builds the dialect's error: an *oauth.Error whose code is the
// reason, so that oauth.Handle logs it (detail and cause, never sent) and
// errorRenderer writes it. Every error of the API goes through here.
func apiError(status int, reason, detail string) *oauth.Error {
	return &oauth.Error{Code: oauth.ErrorCode(reason), Description: detail, Status: status}
}

// errorBody is the one error shape of the dialect.
type errorBody struct {
	Reason string `json:"reason"`
}

// errorRenderer writes {"reason": ...}. Errors that are not the dialect's
// own (an unexpected failure, which oauth.From turns into server_error)
// become INTERNAL_SERVER_ERROR with no detail.
type errorRenderer struct{}

func (errorRenderer) WriteError(w http.ResponseWriter, _ *http.Request, e *oauth.Error) {
	reason := string(e.Code)
	if e.Code == oauth.CodeServerError {
		reason = ReasonInternal
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, e.StatusCode(), errorBody{Reason: reason})
}

var _ oauth.ErrorRenderer = errorRenderer{}
