package admin

import (
	"net/http"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The server's router matches encoded paths; ids reach the handlers
// decoded, and ids no fixture can have are refused, changing nothing.
func TestPathIDsAreDecoded(t *testing.T) {
	f := withProviders(t)
	a, _ := newAdmin(t, "", nil)
	r := mux.NewRouter().SkipClean(true).UseEncodedPath() // as internal/server builds it
	a.Mount(r.PathPrefix("/_authmock").Subrouter())
	before := f.Dir.Users()

	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 string
	}{
		{name: "NUL", method: "PUT", path: "/_authmock/providers/fake/users/u%00x", body: `{"password":"pw"}`, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"the id in the path must be UTF-8 text without control characters"}`},
		{name: "newline", method: "PUT", path: "/_authmock/providers/fake/users/u%0Ax", body: `{"password":"pw"}`, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"the id in the path must be UTF-8 text without control characters"}`},
		{name: "DEL", method: "DELETE", path: "/_authmock/providers/fake/users/u%7F", wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"the id in the path must be UTF-8 text without control characters"}`},
		{name: "not UTF-8", method: "PUT", path: "/_authmock/providers/fake/users/u%FFx", body: `{"password":"pw"}`, wantStatus: 400,
			wantBody: `{"error":"invalid_request","error_description":"the id in the path must be UTF-8 text without control characters"}`},
		{name: "encoded instance name", method: "GET", path: "/_authmock/providers/f%61ke/users/alice", wantStatus: 200},
		{name: "encoded id", method: "GET", path: "/_authmock/providers/fake/users/%61lice", wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(r, tc.method, tc.path, tc.body)
			require.Equal(t, tc.wantStatus, rec.Code, rec.Body.String())
			if tc.wantBody != "" {
				assert.JSONEq(t, tc.wantBody, rec.Body.String())
			}
		})
	}
	assert.Equal(t, before, f.Dir.Users(), "refused ids changed nothing")

	rec := call(r, http.MethodPut, "/_authmock/providers/fake/users/j%C3%BCrgen%20m", `{"password":"pw"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	_, ok := f.Dir.User("jürgen m")
	assert.True(t, ok, "the id is stored decoded")
	_, ok = f.Dir.User("j%C3%BCrgen%20m")
	assert.False(t, ok)
}
