package dotypos

import (
	"errors"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// Reasons of the dialect's error body. The spellings ACCESS_TOKEN_EXPIRED
// and DOMAIN_FORBIDDEN are the ones real clients' tests mock; the others
// follow the same style (contract §A.4).
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
	// A path the API does not serve, or a method it does not allow there
	// (the server's not_found and method_not_allowed, through WriteError).
	ReasonNotFound         = "NOT_FOUND"
	ReasonMethodNotAllowed = "METHOD_NOT_ALLOWED"
	// Only injected faults produce these; the API's status page lists 429
	// and 503 answers without naming their reasons.
	ReasonTooManyRequests    = "TOO_MANY_REQUESTS"
	ReasonServiceUnavailable = "SERVICE_UNAVAILABLE"
)

// apiError builds the dialect's error: an *oauth.Error whose code is the
// reason and whose description is the body's message. oauth.Handle logs
// it and WriteError writes it. Every error of the API goes through here.
func apiError(status int, reason, message string) *oauth.Error {
	return &oauth.Error{Code: oauth.ErrorCode(reason), Description: message, Status: status}
}

// invalid builds a 400 validation failure listing what was wrong with
// which field. The violations travel as the error's cause, so that the log
// shows them too.
func invalid(reason, message string, vs ...Violation) *oauth.Error {
	return apiError(http.StatusBadRequest, reason, message).WithCause(violations(vs))
}

// Violation is one entry of a 400's "violations": the field (body member
// or query parameter) and what is wrong with it.
type Violation struct {
	FieldName string `json:"fieldName"`
	Message   string `json:"message"`
}

type violations []Violation

func (vs violations) Error() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.FieldName + ": " + v.Message
	}
	return strings.Join(parts, "; ")
}

// errorBody is the real API's JSON error object (contract §A.4): clients
// deserialize these members and read message and status on 403 and 405.
type errorBody struct {
	Timestamp  string      `json:"timestamp"`
	Status     int         `json:"status"`
	Error      string      `json:"error"`
	Reason     string      `json:"reason"`
	Message    string      `json:"message"`
	Violations []Violation `json:"violations,omitempty"`
}

// timestampLayout is an ISO-8601 instant in UTC with milliseconds, as
// Java's Instant prints them.
const timestampLayout = "2006-01-02T15:04:05.000Z"

// WriteError is the dialect's one error renderer: every route declares it
// when mounted, so the API's own errors, injected faults and the server's
// 404/405 misses on the mount (the Provider is an oauth.ErrorRenderer) all
// come through it. Errors that are not the dialect's own (an OAuth code from a
// fault preset, an unexpected failure) are mapped onto the reasons and
// statuses the real API answers with.
func (p *Provider) WriteError(w http.ResponseWriter, _ *http.Request, e *oauth.Error) {
	reason, status := dialectReason(e)
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := errorBody{
		Timestamp: p.deps.Clock.Now().UTC().Format(timestampLayout),
		Status:    status,
		Error:     http.StatusText(status),
		Reason:    reason,
		Message:   e.Description,
	}
	if body.Message == "" {
		body.Message = body.Error
	}
	var vs violations
	if errors.As(e, &vs) && len(vs) > 0 {
		body.Violations = vs
	} else if status == http.StatusBadRequest {
		// Every 400 lists at least one violation, so a client that reads
		// them always finds one.
		body.Violations = []Violation{{FieldName: "body", Message: body.Message}}
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, status, body)
}

// dialectReason returns e's reason and status. A reason of the dialect
// keeps its status; an OAuth code is mapped onto a reason, keeping a
// status already set (a fault rule's).
func dialectReason(e *oauth.Error) (string, int) {
	status := e.Status
	or := func(fallback int) int {
		if status != 0 {
			return status
		}
		return fallback
	}
	switch c := e.Code; {
	case c == oauth.CodeServerError:
		return ReasonInternal, or(http.StatusInternalServerError)
	case isReason(c):
		return string(c), e.StatusCode()
	case c == oauth.CodeInvalidToken && e.Kind == oauth.KindAccessTokenExpired:
		return ReasonAccessTokenExpired, or(http.StatusForbidden)
	case c == oauth.CodeInvalidToken:
		return ReasonInvalidAccessToken, or(http.StatusUnauthorized)
	case c == oauth.CodeInvalidGrant:
		return ReasonInvalidRefreshToken, or(http.StatusUnauthorized)
	case c == oauth.CodeInvalidClient, c == oauth.CodeUnauthorizedClient:
		return ReasonInvalidAuthHeader, or(http.StatusUnauthorized)
	case c == oauth.CodeAccessDenied, c == oauth.CodeInsufficientScope:
		return ReasonCloudForbidden, or(http.StatusForbidden)
	case c == oauth.CodeInvalidRequest, c == oauth.CodeInvalidScope:
		return ReasonInvalidBody, or(http.StatusBadRequest)
	case c == oauth.CodeSlowDown:
		return ReasonTooManyRequests, or(http.StatusTooManyRequests)
	case c == oauth.CodeTemporarilyUnavailable:
		return ReasonServiceUnavailable, or(http.StatusServiceUnavailable)
	case c == oauth.CodeNotFound:
		return ReasonNotFound, or(http.StatusNotFound)
	case c == oauth.CodeMethodNotAllowed:
		return ReasonMethodNotAllowed, or(http.StatusMethodNotAllowed)
	}
	return ReasonInternal, or(http.StatusInternalServerError)
}

func isReason(c oauth.ErrorCode) bool {
	s := string(c)
	return s != "" && strings.ToUpper(s) == s
}

var _ oauth.ErrorRenderer = (*Provider)(nil)
