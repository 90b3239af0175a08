package dotypos

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/oauth"
)

// TestWriteError: the one renderer writes every error, the dialect's own
// and the OAuth errors of injected faults alike, as the API's error object
// with the instance's clock as timestamp.
func TestWriteError(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tests := []struct {
		name   string
		err    *oauth.Error
		status int
		body   string
	}{
		{"the dialect's own reason", apiError(http.StatusForbidden, ReasonCloudForbidden, "no"),
			403, errorJSON(t0, 403, ReasonCloudForbidden, "no")},
		{"violations travel with the error", invalid(ReasonInvalidCloudID, "bad", Violation{FieldName: "_cloudId", Message: "must be a number"}),
			400, errorJSON(t0, 400, ReasonInvalidCloudID, "bad", Violation{FieldName: "_cloudId", Message: "must be a number"})},
		{"a 400 without violations gets one for the body", apiError(http.StatusBadRequest, ReasonInvalidBody, "bad"),
			400, errorJSON(t0, 400, ReasonInvalidBody, "bad", Violation{FieldName: "body", Message: "bad"})},
		{"no message: the reason phrase", apiError(http.StatusForbidden, ReasonCloudForbidden, ""),
			403, errorJSON(t0, 403, ReasonCloudForbidden, "Forbidden")},
		{"an unexpected failure hides its cause", oauth.ServerError(assert.AnError),
			500, errorJSON(t0, 500, ReasonInternal, "the server failed to handle the request")},
		{"fault: invalid_token", oauth.InvalidToken("x"), 401, errorJSON(t0, 401, ReasonInvalidAccessToken, "x")},
		{"fault: expired token", oauth.AccessTokenExpired("x"), 403, errorJSON(t0, 403, ReasonAccessTokenExpired, "x")},
		{"fault: invalid_grant", oauth.InvalidGrant("x"), 401, errorJSON(t0, 401, ReasonInvalidRefreshToken, "x")},
		{"fault: invalid_client", oauth.InvalidClient("x"), 401, errorJSON(t0, 401, ReasonInvalidAuthHeader, "x")},
		{"fault: access_denied", oauth.AccessDenied("x"), 403, errorJSON(t0, 403, ReasonCloudForbidden, "x")},
		{"fault: invalid_request", oauth.InvalidRequest("x"), 400, errorJSON(t0, 400, ReasonInvalidBody, "x", Violation{FieldName: "body", Message: "x"})},
		{"fault: slow_down", &oauth.Error{Code: oauth.CodeSlowDown, Description: "x"}, 429, errorJSON(t0, 429, ReasonTooManyRequests, "x")},
		{"fault: temporarily_unavailable", &oauth.Error{Code: oauth.CodeTemporarilyUnavailable, Description: "x"}, 503, errorJSON(t0, 503, ReasonServiceUnavailable, "x")},
		{"a fault rule's status wins", oauth.InvalidToken("x").WithStatus(418), 418, errorJSON(t0, 418, ReasonInvalidAccessToken, "x")},
		{"an unknown code", &oauth.Error{Code: "weird", Description: "x"}, 500, errorJSON(t0, 500, ReasonInternal, "x")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			ts.p.WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), tc.err)
			assert.Equal(t, tc.status, w.Code)
			assert.JSONEq(t, tc.body, w.Body.String())
			assert.Equal(t, "application/json;charset=UTF-8", w.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		})
	}
	t.Run("the timestamp follows the clock", func(t *testing.T) {
		ts := newTestServer(t, nil)
		ts.clk.Advance(1500 * time.Millisecond)
		w := httptest.NewRecorder()
		ts.p.WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), apiError(http.StatusUnauthorized, ReasonInvalidAuthHeader, "x"))
		assert.JSONEq(t, `{"timestamp":"2025-03-04T05:06:08.500Z","status":401,"error":"Unauthorized","reason":"INVALID_AUTH_HEADER","message":"x"}`, w.Body.String())
	})
}
