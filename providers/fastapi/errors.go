package fastapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/oauth"
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

// The dialect's errors are *oauth.Error values of two codes of its own,
// FastAPI's two exception classes; the renderer a route declares writes
// them (render.go).
const (
	// codeHTTPException is an HTTPException: the status, and the detail as
	// the description.
	codeHTTPException oauth.ErrorCode = "HTTPException"
	// codeValidation is a RequestValidationError: 422, the list of
	// validation errors as the cause (so the log shows it too).
	codeValidation oauth.ErrorCode = "RequestValidationError"
)

// httpError is HTTPException(status, detail).
func httpError(status int, detail string) *oauth.Error {
	return &oauth.Error{Code: codeHTTPException, Description: detail, Status: status}
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
	return &oauth.Error{Code: codeValidation, Description: "request validation failed",
		Status: http.StatusUnprocessableEntity, Cause: validationList(errs)}
}

// validationList is the detail of a 422.
type validationList []validationError

func (vl validationList) Error() string {
	parts := make([]string, len(vl))
	for i, v := range vl {
		parts[i] = strings.Join(v.Loc, ".") + ": " + v.Msg
	}
	return strings.Join(parts, "; ")
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

// only answers a method other than method with FastAPI's 405 (the
// server's own miss handler would answer in its JSON, not FastAPI's), and
// hands the rest to fn.
func only(method string, fn oauth.HandlerFunc) oauth.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != method {
			return httpError(http.StatusMethodNotAllowed, detailMethodNotAllowed).WithHeader("Allow", method)
		}
		return fn(w, r)
	}
}

type detailBody struct {
	Detail any `json:"detail"`
}
