package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
)

// apiError is a failed admin call: a status and what to tell the caller.
type apiError struct {
	status      int
	code        string
	description string
	// problems lists every problem with a refused fixture.
	problems fixtures.Problems
}

func (e *apiError) Error() string { return e.description }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "invalid_request", description: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, code: "not_found", description: fmt.Sprintf(format, args...)}
}

// writeError uses the shape of the server's own 404 and 405 answers.
func writeError(w http.ResponseWriter, status int, code, description string) {
	httpx.WriteJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// handler adapts a handler that returns an error.
func (a *Admin) handler(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := decodeVars(r)
		if err == nil {
			err = fn(w, r)
		}
		if err == nil {
			return
		}
		var ae *apiError
		if errors.As(err, &ae) {
			if len(ae.problems) > 0 {
				httpx.WriteJSON(w, ae.status, map[string]any{"error": ae.code, "error_description": ae.description, "problems": ae.problems})
				return
			}
			writeError(w, ae.status, ae.code, ae.description)
			return
		}
		if a.Logger != nil {
			a.Logger.ErrorContext(r.Context(), "admin call failed", slog.String("path", r.URL.Path), slog.Any("error", err))
		}
		writeError(w, http.StatusInternalServerError, "server_error", "the admin call failed; see the server log")
	})
}

// maxAdminBody bounds admin request bodies; rules and clock settings are
// small.
const maxAdminBody = 64 << 10

// decode reads an optional JSON body strictly into v. An empty body leaves
// v as it is. The Content-Type is not checked: the body must be JSON
// whatever it says, so that a plain `curl -d '{...}'` (which labels it a
// form) just works.
func decode(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &apiError{status: http.StatusRequestEntityTooLarge, code: "invalid_request", description: "the request body is too large"}
		}
		return badRequest("reading the body: %v", err)
	}
	if len(b) > maxAdminBody {
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "invalid_request", description: fmt.Sprintf("the request body is larger than %d bytes", maxAdminBody)}
	}
	if len(b) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("the body is not the JSON this call takes: %v", err)
	}
	if dec.More() {
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	httpx.WriteJSON(w, status, v)
	return nil
}

// pathVar is a path variable of the matched route.
func pathVar(r *http.Request, name string) string { return mux.Vars(r)[name] }
