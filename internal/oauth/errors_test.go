package oauth_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

// requireOAuthError asserts err is an *oauth.Error with code and
// description, and returns it.
func requireOAuthError(t *testing.T, err error, code oauth.ErrorCode, description string) *oauth.Error {
	t.Helper()
	var e *oauth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, code, e.Code)
	assert.Equal(t, description, e.Description)
	return e
}

func TestErrorStatusCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *oauth.Error
		want int
	}{
		{name: "invalid_request", err: oauth.InvalidRequest("x"), want: 400},
		{name: "invalid_client", err: oauth.InvalidClient("x"), want: 401},
		{name: "invalid_grant", err: oauth.InvalidGrant("x"), want: 400},
		{name: "unauthorized_client", err: oauth.UnauthorizedClient("x"), want: 400},
		{name: "unsupported_grant_type", err: oauth.UnsupportedGrantType("x"), want: 400},
		{name: "invalid_scope", err: oauth.InvalidScope("x"), want: 400},
		{name: "access_denied", err: oauth.AccessDenied("x"), want: 400},
		{name: "unsupported_response_type", err: oauth.UnsupportedResponseType("x"), want: 400},
		{name: "invalid_token", err: oauth.InvalidToken("x"), want: 401},
		{name: "insufficient_scope", err: oauth.InsufficientScope("x"), want: 403},
		{name: "unsupported_token_type", err: oauth.UnsupportedTokenType("x"), want: 400},
		{name: "server_error", err: oauth.ServerError(nil), want: 500},
		{name: "temporarily_unavailable", err: &oauth.Error{Code: oauth.CodeTemporarilyUnavailable}, want: 503},
		{name: "login_required", err: &oauth.Error{Code: oauth.CodeLoginRequired}, want: 400},
		{name: "slow_down", err: &oauth.Error{Code: oauth.CodeSlowDown}, want: 400},
		{name: "unknown extension code", err: &oauth.Error{Code: "made_up"}, want: 400},
		{name: "override wins over the derived 401", err: oauth.InvalidClient("x").WithStatus(400), want: 400},
		{name: "override on a 400 code", err: oauth.InvalidRequest("x").WithStatus(http.StatusMethodNotAllowed), want: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.err.StatusCode())
		})
	}
}

func TestConstructorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      *oauth.Error
		sentinel *oauth.Error
		code     oauth.ErrorCode
	}{
		{name: "InvalidRequest", err: oauth.InvalidRequest("d"), sentinel: oauth.ErrInvalidRequest, code: "invalid_request"},
		{name: "InvalidClient", err: oauth.InvalidClient("d"), sentinel: oauth.ErrInvalidClient, code: "invalid_client"},
		{name: "InvalidGrant", err: oauth.InvalidGrant("d"), sentinel: oauth.ErrInvalidGrant, code: "invalid_grant"},
		{name: "UnauthorizedClient", err: oauth.UnauthorizedClient("d"), sentinel: oauth.ErrUnauthorizedClient, code: "unauthorized_client"},
		{name: "UnsupportedGrantType", err: oauth.UnsupportedGrantType("d"), sentinel: oauth.ErrUnsupportedGrantType, code: "unsupported_grant_type"},
		{name: "InvalidScope", err: oauth.InvalidScope("d"), sentinel: oauth.ErrInvalidScope, code: "invalid_scope"},
		{name: "AccessDenied", err: oauth.AccessDenied("d"), sentinel: oauth.ErrAccessDenied, code: "access_denied"},
		{name: "InvalidToken", err: oauth.InvalidToken("d"), sentinel: oauth.ErrInvalidToken, code: "invalid_token"},
		{name: "InsufficientScope", err: oauth.InsufficientScope("d"), sentinel: oauth.ErrInsufficientScope, code: "insufficient_scope"},
		{name: "ServerError", err: oauth.ServerError(errors.New("cause")), sentinel: oauth.ErrServerError, code: "server_error"},
		{name: "UnsupportedResponseType", err: oauth.UnsupportedResponseType("d"), code: "unsupported_response_type"},
		{name: "UnsupportedTokenType", err: oauth.UnsupportedTokenType("d"), code: "unsupported_token_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.code, tc.err.Code)
			assert.Equal(t, tc.code, oauth.ErrorCode(string(tc.code)), "wire value")
			if tc.sentinel != nil {
				assert.ErrorIs(t, tc.err, tc.sentinel)
				assert.ErrorIs(t, fmt.Errorf("wrapped: %w", tc.err), tc.sentinel)
			}
		})
	}
}

func TestErrorIsMatchesByCodeOnly(t *testing.T) {
	t.Parallel()
	err := oauth.InvalidGrant("code %q expired", "abc").WithStatus(401).WithCause(errors.New("x"))
	require.ErrorIs(t, err, oauth.ErrInvalidGrant, "description, status and cause do not matter")
	assert.NotErrorIs(t, err, oauth.ErrInvalidRequest)
	assert.NotErrorIs(t, err, oauth.ErrInvalidClient)
	assert.NotErrorIs(t, oauth.InvalidGrant("a"), oauth.InvalidGrant("b"), "two described values are not each other")
	assert.NotErrorIs(t, errors.New("invalid_grant"), oauth.ErrInvalidGrant, "never by string")
}

func TestErrorIsReachesCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("store: not found")
	err := oauth.InvalidGrant("unknown code").WithCause(cause)
	require.ErrorIs(t, err, cause)
	assert.Equal(t, cause, errors.Unwrap(err))
}

// Constructors return fresh values: changing one never reaches another or a
// sentinel.
func TestConstructorsReturnFreshValues(t *testing.T) {
	t.Parallel()
	a, b := oauth.InvalidClient("x"), oauth.InvalidClient("x")
	require.NotSame(t, a, b)
	a.WithStatus(http.StatusBadRequest).WithHeader("Retry-After", "5").WithCause(errors.New("c"))
	a.Description = "changed"

	assert.Equal(t, &oauth.Error{Code: oauth.CodeInvalidClient, Description: "x"}, b)
	assert.Equal(t, &oauth.Error{Code: oauth.CodeInvalidClient}, oauth.ErrInvalidClient)
	assert.Equal(t, http.StatusUnauthorized, oauth.ErrInvalidClient.StatusCode())

	m1, m2 := oauth.MissingToken("r"), oauth.MissingToken("r")
	m1.Header.Set("WWW-Authenticate", "changed")
	assert.Equal(t, `Bearer realm="r"`, m2.Header.Get("WWW-Authenticate"))
	assert.Equal(t, &oauth.Error{Code: oauth.CodeInvalidToken}, oauth.ErrInvalidToken)
}

func TestSentinelsAreBare(t *testing.T) {
	t.Parallel()
	for _, s := range []*oauth.Error{
		oauth.ErrInvalidRequest, oauth.ErrInvalidClient, oauth.ErrInvalidGrant, oauth.ErrUnauthorizedClient,
		oauth.ErrUnsupportedGrantType, oauth.ErrInvalidScope, oauth.ErrAccessDenied, oauth.ErrServerError,
		oauth.ErrInvalidToken, oauth.ErrInsufficientScope,
	} {
		assert.Equal(t, &oauth.Error{Code: s.Code}, s, "sentinel %s", s.Code)
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "invalid_grant: code expired", oauth.InvalidGrant("code expired").Error())
	assert.Equal(t, "invalid_grant", oauth.ErrInvalidGrant.Error())
	assert.Equal(t, `invalid_scope: scope "x" is 100% wrong`, oauth.InvalidScope(`scope %q is 100%% wrong`, "x").Error())
	assert.Equal(t, "invalid_request: 100%", oauth.InvalidRequest("100%").Error(), "no arguments: the text is not a format")
}

func TestWithHeader(t *testing.T) {
	t.Parallel()
	e := oauth.ServerError(nil).WithHeader("Retry-After", "5").WithHeader("X-A", "1").WithHeader("X-A", "2")
	assert.Equal(t, http.Header{"Retry-After": {"5"}, "X-A": {"1", "2"}}, e.Header)
}

func TestFrom(t *testing.T) {
	t.Parallel()
	assert.Nil(t, oauth.From(nil))

	e := oauth.InvalidGrant("expired")
	assert.Same(t, e, oauth.From(e))
	assert.Same(t, e, oauth.From(fmt.Errorf("redeeming: %w", e)), "a wrapped protocol error keeps its code")

	cause := errors.New("sql: connection refused at db.go:42")
	got := oauth.From(cause)
	require.ErrorIs(t, got, oauth.ErrServerError)
	assert.Equal(t, "the server failed to handle the request", got.Description)
	assert.Equal(t, http.StatusInternalServerError, got.StatusCode())
	assert.Same(t, cause, got.Cause, "the cause is kept for the log")
}

// No internal error text ever reaches a client.
func TestFromDoesNotLeakCause(t *testing.T) {
	t.Parallel()
	for _, cause := range []error{
		errors.New("sql: connection refused at db.go:42"),
		fmt.Errorf("loading client: %w", errors.New("sql: connection refused at db.go:42")),
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/token", nil)
		oauth.RFC6749Renderer{}.WriteError(w, r, oauth.From(cause))

		assert.Equal(t, http.StatusInternalServerError, w.Code)
		assert.JSONEq(t, `{"error":"server_error","error_description":"the server failed to handle the request"}`, w.Body.String())
		for _, leak := range []string{"sql", ".go", "refused", "42", "loading"} {
			assert.NotContains(t, w.Body.String(), leak)
			for k, vs := range w.Header() {
				for _, v := range vs {
					assert.NotContains(t, v, leak, "header %s", k)
				}
			}
		}
	}
}

func TestLogLevel(t *testing.T) {
	t.Parallel()
	assert.Equal(t, slog.LevelError, oauth.ServerError(nil).LogLevel())
	assert.Equal(t, slog.LevelError, (&oauth.Error{Code: oauth.CodeTemporarilyUnavailable}).LogLevel())
	assert.Equal(t, slog.LevelError, oauth.InvalidRequest("x").WithStatus(502).LogLevel())
	assert.Equal(t, slog.LevelInfo, oauth.InvalidGrant("x").LogLevel())
	assert.Equal(t, slog.LevelInfo, oauth.InvalidClient("x").LogLevel())
}

func TestLogValue(t *testing.T) {
	t.Parallel()
	v := oauth.InvalidGrant("expired").WithCause(errors.New("store: expired")).LogValue()
	require.Equal(t, slog.KindGroup, v.Kind())
	assert.Equal(t, []slog.Attr{
		slog.String("code", "invalid_grant"),
		slog.String("description", "expired"),
		slog.String("cause", "store: expired"),
	}, v.Group())

	assert.Equal(t, []slog.Attr{slog.String("code", "invalid_grant")}, oauth.ErrInvalidGrant.LogValue().Group())
}
