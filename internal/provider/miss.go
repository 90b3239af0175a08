package provider

import "net/http"

// MissRenderer is implemented by dialects whose API answers a path it does
// not serve (404) and a method a path does not allow (405) in its own error
// format, because real clients read those answers (Dotypos clients read
// message and status of a 405). The server still decides which of the two
// a request is and sets Allow; the dialect only writes the body. Other
// dialects' misses keep the server's JSON.
type MissRenderer interface {
	WriteMiss(w http.ResponseWriter, r *http.Request, status int, message string)
}
