package tokenview_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/tokenview"
)

// FuzzDecode: no panic, and a decoded token has object header and claims
// that come from exactly its first two segments.
func FuzzDecode(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjEuNWUzfQ.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("e30.e30.e30")
	f.Fuzz(func(t *testing.T, token string) {
		h, c, err := tokenview.Decode(token)
		if err != nil {
			if h != nil || c != nil {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		if h == nil || c == nil {
			t.Fatal("no error and no result")
		}
		parts := strings.Split(token, ".")
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil || !json.Valid(raw) {
			t.Fatalf("claims segment %q decoded though it is not base64url JSON", parts[1])
		}
	})
}
