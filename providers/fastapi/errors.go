package fastapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Error details, verbatim from fastapi-users (router/common.py ErrorCode,
// authentication/authenticator.py) and the UniPoll code
// (exceptions/authentication.py).
const (
	detailBadCredentials    = "LOGIN_BAD_CREDENTIALS"
	detailNotVerified       = "LOGIN_USER_NOT_VERIFIED"
	detailUnauthorized      = "Unauthorized"
	detailRefreshExpired    = "Refresh token expired; Please login again"
	detailInvalidRefresh    = "Invalid Refresh token"
	detailInvalidAccess     = "Invalid Access token"
	detailInvalidClientID   = "Invalid Client ID"
	detailInvalidAuthHeader = "Invalid Authorization header"
	detailAccountNotFound   = "Account not found"
	detailBodyTooLarge      = "Request body too large"
	detailMethodNotAllowed  = "Method Not Allowed"
	detailBodyParseError    = "There was an error parsing the body"
)

// apiError is an HTTPException: a status and a "detail" that is a string
// or, for 422, a list of validation errors.
type apiError struct {
	status int
	detail any
	// cause is logged, never sent.
	cause error
}

func (e *apiError) Error() string {
	if s, ok := e.detail.(string); ok {
		return s
	}
	return "request validation failed"
}

func (e *apiError) Unwrap() error { return e.cause }

func httpError(status int, detail string) *apiError {
	return &apiError{status: status, detail: detail}
}

// validationError is one entry of FastAPI's 422 list, in pydantic v2's
// member order. FastAPI renders errors with include_url=False, so there is
// no "url"; ctx appears only for errors that have one.
type validationError struct {
	Type  string            `json:"type"`
	Loc   []string          `json:"loc"`
	Msg   string            `json:"msg"`
	Input any               `json:"input"`
	Ctx   map[string]string `json:"ctx,omitempty"`
}

// missing is pydantic's error for an absent required field; FastAPI gives
// it input null.
func missing(where, name string) validationError {
	return validationError{Type: "missing", Loc: []string{where, name}, Msg: "Field required", Input: nil}
}

// patternMismatch is pydantic's error for a string that fails a Form or
// Header pattern.
func patternMismatch(where, name, pattern, input string) validationError {
	return validationError{
		Type: "string_pattern_mismatch", Loc: []string{where, name},
		Msg: "String should match pattern '" + pattern + "'", Input: input,
		Ctx: map[string]string{"pattern": pattern},
	}
}

// validationErrors is a 422 when errs is not empty, else nil.
func validationErrors(errs []validationError) error {
	if len(errs) == 0 {
		return nil
	}
	return &apiError{status: http.StatusUnprocessableEntity, detail: errs}
}

// writeJSON writes v as FastAPI's JSONResponse does: compact, with
// non-ASCII and <>& left as they are (ensure_ascii=False).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeInternalError(w)
		return
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeInternalError is Starlette's ServerErrorMiddleware answer: plain
// text, no JSON.
func writeInternalError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("Internal Server Error"))
}

// handlerFunc returns its failure instead of writing it, so that every
// error of the dialect is rendered in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts fn for one route that answers methods, writing FastAPI's
// 405 for any other method (the server's own miss handler would answer in
// its JSON, not FastAPI's). A returned *apiError is rendered as
// {"detail":...}; anything else is logged and becomes a bare 500.
func handle(logger *slog.Logger, fn handlerFunc, methods ...string) http.Handler {
	allow := ""
	for i, m := range methods {
		if i > 0 {
			allow += ", "
		}
		allow += m
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed(r.Method, methods) {
			w.Header().Set("Allow", allow)
			writeJSON(w, http.StatusMethodNotAllowed, detailBody{Detail: detailMethodNotAllowed})
			return
		}
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
			writeInternalError(w)
			return
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", ae.status)}
		if ae.cause != nil {
			attrs = append(attrs, slog.String("cause", ae.cause.Error()))
		}
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request refused", attrs...)
		writeJSON(w, ae.status, detailBody{Detail: ae.detail})
	})
}

type detailBody struct {
	Detail any `json:"detail"`
}

func allowed(method string, methods []string) bool {
	for _, m := range methods {
		if m == method {
			return true
		}
	}
	return false
}
