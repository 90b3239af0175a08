package admin

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/mux"
)

// decodeVars percent-decodes the route's path variables. The server's
// router matches the encoded path (so an encoded slash stays inside one
// segment), which leaves the variables encoded: without this, PUT
// .../users/u%00x would create a user literally named "u%00x". A variable
// that is not valid percent-encoding or UTF-8, or that holds a control
// character, is refused: no client, user or cloud id has one.
func decodeVars(r *http.Request) (*http.Request, error) {
	vars := mux.Vars(r)
	if len(vars) == 0 {
		return r, nil
	}
	decoded := make(map[string]string, len(vars))
	for name, raw := range vars {
		v, err := url.PathUnescape(raw)
		if err != nil {
			return nil, badRequest("the %s in the path is not valid percent-encoding", name)
		}
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return nil, badRequest("the %s in the path must be UTF-8 text without control characters", name)
		}
		decoded[name] = v
	}
	return mux.SetURLVars(r, decoded), nil
}
