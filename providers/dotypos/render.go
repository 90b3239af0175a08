package dotypos

import (
	"errors"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/oauth"
)

// WriteError renders an error raised outside the dialect's handlers (an
// injected fault) as the dialect's {"reason": ...} body, mapping the OAuth
// codes the fault presets use onto the reasons and statuses the real API
// answers with.
func (p *Provider) WriteError(w http.ResponseWriter, r *http.Request, e *oauth.Error) {
	mapped := *e
	switch {
	case isReason(e.Code):
		// already the dialect's own
	case e.Code == oauth.CodeInvalidToken && errors.Is(e, jwt.ErrTokenExpired):
		mapped.Code, mapped.Status = ReasonAccessTokenExpired, orStatus(e.Status, http.StatusForbidden)
	case e.Code == oauth.CodeInvalidToken:
		mapped.Code, mapped.Status = ReasonInvalidAccessToken, orStatus(e.Status, http.StatusUnauthorized)
	case e.Code == oauth.CodeInvalidGrant:
		mapped.Code, mapped.Status = ReasonInvalidRefreshToken, orStatus(e.Status, http.StatusUnauthorized)
	case e.Code == oauth.CodeInvalidClient, e.Code == oauth.CodeUnauthorizedClient:
		mapped.Code, mapped.Status = ReasonInvalidAuthHeader, orStatus(e.Status, http.StatusUnauthorized)
	case e.Code == oauth.CodeAccessDenied, e.Code == oauth.CodeInsufficientScope:
		mapped.Code, mapped.Status = ReasonCloudForbidden, orStatus(e.Status, http.StatusForbidden)
	case e.Code == oauth.CodeInvalidRequest, e.Code == oauth.CodeInvalidScope:
		mapped.Code, mapped.Status = ReasonInvalidBody, orStatus(e.Status, http.StatusBadRequest)
	case e.Code == oauth.CodeSlowDown:
		mapped.Code, mapped.Status = ReasonTooManyRequests, orStatus(e.Status, http.StatusTooManyRequests)
	case e.Code == oauth.CodeTemporarilyUnavailable:
		mapped.Code, mapped.Status = ReasonServiceUnavailable, orStatus(e.Status, http.StatusServiceUnavailable)
	default:
		mapped.Code, mapped.Status = ReasonInternal, orStatus(e.Status, http.StatusInternalServerError)
	}
	errorRenderer{}.WriteError(w, r, &mapped)
}

// Reasons only injected faults produce; the API's status page lists 429
// and 503 answers without naming their reasons.
const (
	ReasonTooManyRequests    = "TOO_MANY_REQUESTS"
	ReasonServiceUnavailable = "SERVICE_UNAVAILABLE"
)

func isReason(c oauth.ErrorCode) bool {
	s := string(c)
	return s != "" && strings.ToUpper(s) == s
}

func orStatus(set, fallback int) int {
	if set != 0 {
		return set
	}
	return fallback
}

var _ oauth.ErrorRenderer = (*Provider)(nil)
