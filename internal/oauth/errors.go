package oauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// ErrorCode is an RFC 6749 error code (or an extension's).
type ErrorCode string

// Error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1
// and OpenID Connect Core §3.1.2.6.
const (
	CodeInvalidRequest          ErrorCode = "invalid_request"
	CodeInvalidClient           ErrorCode = "invalid_client"
	CodeInvalidGrant            ErrorCode = "invalid_grant"
	CodeUnauthorizedClient      ErrorCode = "unauthorized_client"
	CodeUnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	CodeInvalidScope            ErrorCode = "invalid_scope"
	CodeAccessDenied            ErrorCode = "access_denied"
	CodeUnsupportedResponseType ErrorCode = "unsupported_response_type"
	CodeServerError             ErrorCode = "server_error"
	CodeTemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	CodeInvalidToken            ErrorCode = "invalid_token"
	CodeInsufficientScope       ErrorCode = "insufficient_scope"
	CodeUnsupportedTokenType    ErrorCode = "unsupported_token_type"
	CodeLoginRequired           ErrorCode = "login_required"
	CodeSlowDown                ErrorCode = "slow_down"
	// RFC 8628 §3.5: the device flow's polling answers.
	CodeAuthorizationPending ErrorCode = "authorization_pending"
	CodeExpiredToken         ErrorCode = "expired_token"
)

// The server's own codes for a request no route of an instance takes:
// a path it does not serve (404) and a method the path does not allow
// (405, with Allow). A dialect whose API words those answers renders them
// like any other error.
const (
	CodeNotFound         ErrorCode = "not_found"
	CodeMethodNotAllowed ErrorCode = "method_not_allowed"
)

// Kind refines an error's code where dialects word two cases of one code
// differently, so a renderer reads it from the error instead of guessing
// from the cause or the URL. The zero Kind adds nothing to the code.
type Kind uint8

const (
	// KindAccessTokenExpired is an invalid_token whose token expired (Dotypos
	// answers it as 403 ACCESS_TOKEN_EXPIRED, not as an invalid token).
	KindAccessTokenExpired Kind = iota + 1
)

// Error is a protocol error: a code, a description for the client, and an
// optional cause that is logged but never sent. It is the one error type of
// every dialect: a dialect may use codes of its own (Dotypos's reasons,
// FastAPI's HTTPException), and the renderer its route declared chooses
// the wording and shape (route.go). Constructors return fresh values, so no
// caller ever mutates a shared one.
type Error struct {
	Code ErrorCode
	// Kind refines Code for the renderers that word it differently.
	Kind        Kind
	Description string
	URI         string
	// Status overrides the status derived from Code.
	Status int
	// Header is added to the response (Retry-After, WWW-Authenticate).
	Header http.Header
	// Cause is the underlying error, for logs only.
	Cause error
}

func (e *Error) Error() string {
	if e.Description == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Description
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches another *Error by code, so errors.Is(err, oauth.ErrInvalidGrant)
// works whatever the description.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code && t.Description == "" && t.Status == 0
}

// StatusCode returns the HTTP status: the override if set, otherwise 401 for
// invalid_client and invalid_token (RFC 6749 §5.2, RFC 6750 §3.1), 403 for
// insufficient_scope, 500 for server_error, 503 for temporarily_unavailable,
// 404 and 405 for the server's not_found and method_not_allowed, and 400 for
// everything else.
func (e *Error) StatusCode() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case CodeInvalidClient, CodeInvalidToken:
		return http.StatusUnauthorized
	case CodeInsufficientScope:
		return http.StatusForbidden
	case CodeServerError:
		return http.StatusInternalServerError
	case CodeTemporarilyUnavailable:
		return http.StatusServiceUnavailable
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusBadRequest
}

// WithStatus sets the status override and returns e.
func (e *Error) WithStatus(status int) *Error { e.Status = status; return e }

// WithCause records the cause and returns e.
func (e *Error) WithCause(err error) *Error { e.Cause = err; return e }

// WithHeader adds a response header and returns e.
func (e *Error) WithHeader(key, value string) *Error {
	if e.Header == nil {
		e.Header = http.Header{}
	}
	e.Header.Add(key, value)
	return e
}

// LogLevel is Error for server faults and Info for a client's mistakes.
func (e *Error) LogLevel() slog.Level {
	if e.StatusCode() >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// LogValue logs the code, description and cause.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("code", string(e.Code))}
	if e.Description != "" {
		attrs = append(attrs, slog.String("description", e.Description))
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	return slog.GroupValue(attrs...)
}

func newError(code ErrorCode, format string, args []any) *Error {
	desc := format
	if len(args) > 0 {
		desc = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Description: desc}
}

// Sentinels for errors.Is comparisons only; never return or modify them.
var (
	ErrInvalidRequest       = &Error{Code: CodeInvalidRequest}
	ErrInvalidClient        = &Error{Code: CodeInvalidClient}
	ErrInvalidGrant         = &Error{Code: CodeInvalidGrant}
	ErrUnauthorizedClient   = &Error{Code: CodeUnauthorizedClient}
	ErrUnsupportedGrantType = &Error{Code: CodeUnsupportedGrantType}
	ErrInvalidScope         = &Error{Code: CodeInvalidScope}
	ErrAccessDenied         = &Error{Code: CodeAccessDenied}
	ErrServerError          = &Error{Code: CodeServerError}
	ErrInvalidToken         = &Error{Code: CodeInvalidToken}
	ErrInsufficientScope    = &Error{Code: CodeInsufficientScope}
)

// InvalidRequest builds an invalid_request error.
func InvalidRequest(format string, args ...any) *Error {
	return newError(CodeInvalidRequest, format, args)
}

// InvalidClient builds an invalid_client error.
func InvalidClient(format string, args ...any) *Error {
	return newError(CodeInvalidClient, format, args)
}

// InvalidGrant builds an invalid_grant error.
func InvalidGrant(format string, args ...any) *Error {
	return newError(CodeInvalidGrant, format, args)
}

// UnauthorizedClient builds an unauthorized_client error.
func UnauthorizedClient(format string, args ...any) *Error {
	return newError(CodeUnauthorizedClient, format, args)
}

// UnsupportedGrantType builds an unsupported_grant_type error.
func UnsupportedGrantType(format string, args ...any) *Error {
	return newError(CodeUnsupportedGrantType, format, args)
}

// InvalidScope builds an invalid_scope error.
func InvalidScope(format string, args ...any) *Error {
	return newError(CodeInvalidScope, format, args)
}

// AccessDenied builds an access_denied error.
func AccessDenied(format string, args ...any) *Error {
	return newError(CodeAccessDenied, format, args)
}

// UnsupportedResponseType builds an unsupported_response_type error.
func UnsupportedResponseType(format string, args ...any) *Error {
	return newError(CodeUnsupportedResponseType, format, args)
}

// InvalidToken builds an RFC 6750 invalid_token error (401).
func InvalidToken(format string, args ...any) *Error {
	return newError(CodeInvalidToken, format, args)
}

// AccessTokenExpired builds an invalid_token error (401) of
// KindAccessTokenExpired (not RFC 8628's expired_token code):
// an access token refused because it expired.
func AccessTokenExpired(format string, args ...any) *Error {
	e := newError(CodeInvalidToken, format, args)
	e.Kind = KindAccessTokenExpired
	return e
}

// InsufficientScope builds an RFC 6750 insufficient_scope error (403).
func InsufficientScope(format string, args ...any) *Error {
	return newError(CodeInsufficientScope, format, args)
}

// UnsupportedTokenType builds an RFC 7009 unsupported_token_type error.
func UnsupportedTokenType(format string, args ...any) *Error {
	return newError(CodeUnsupportedTokenType, format, args)
}

// ServerError builds a server_error whose description is generic; the cause
// is kept for the log.
func ServerError(cause error) *Error {
	return &Error{Code: CodeServerError, Description: "the server failed to handle the request", Cause: cause}
}

// From converts any error to an *Error. Unknown errors become a generic
// server_error with the cause kept for the log, so no internal message ever
// reaches a client.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ServerError(err)
}
