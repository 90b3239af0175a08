package oauth

import (
	"encoding/json"
	"testing"
)

// The hand-written token response must be byte for byte what
// encoding/json writes for the struct's tags.
func TestTokenResponseEncodeMatchesEncodingJSON(t *testing.T) {
	type plain TokenResponse
	for _, r := range []TokenResponse{
		{},
		{AccessToken: "at", TokenType: "Bearer"},
		{AccessToken: "h.p.s", TokenType: "DPoP", ExpiresIn: 3600, RefreshToken: "rt", Scope: "openid profile", IDToken: "i.d.t"},
		{AccessToken: "<&>\"\\\n\u2028é\xff", TokenType: "Bearer", ExpiresIn: -5, Scope: "a&b"},
	} {
		want, err := json.Marshal(plain(r))
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.encode(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("got %s, %v\nwant %s", got, err, want)
		}
	}
}
