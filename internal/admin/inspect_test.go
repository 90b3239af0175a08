package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

// keyedProvider signs with its own key set, like the JWT dialects.
type keyedProvider struct{ keys *jwtutil.KeySet }

func (keyedProvider) Mount(*mux.Router)         {}
func (k keyedProvider) KeySet() *jwtutil.KeySet { return k.keys }

func newKeySet(t *testing.T) *jwtutil.KeySet {
	t.Helper()
	k, err := jwtutil.GenerateKey(jwtutil.ES256)
	require.NoError(t, err)
	ks, err := jwtutil.NewKeySet(k)
	require.NoError(t, err)
	return ks
}

func TestInspectTokens(t *testing.T) {
	ks, other := newKeySet(t), newKeySet(t)
	testProviders = map[string]provider.Provider{"jwt": keyedProvider{ks}, "bare": bareProvider{}}
	t.Cleanup(func() { testProviders = map[string]provider.Provider{} })
	signed := func(ks *jwtutil.KeySet, exp time.Time) string {
		tok, err := ks.Sign(jwt.MapClaims{"sub": "alice", "iat": t0.Unix(), "exp": exp.Unix()})
		require.NoError(t, err)
		return tok
	}
	body := func(tok string) string { b, _ := json.Marshal(map[string]string{"token": tok}); return string(b) }
	kid := ks.Active().KID()
	claims := fmt.Sprintf(`{"sub":"alice","iat":%d,"exp":%d}`, t0.Unix(), t0.Add(time.Hour).Unix())

	tests := []struct {
		name, instance, body string
		status               int
		want                 string
	}{
		{"valid on the instance's clock", "jwt", body(signed(ks, t0.Add(time.Hour))), 200,
			`{"header":{"alg":"ES256","kid":"` + kid + `","typ":"JWT"},"claims":` + claims + `,"signature":"valid"}`},
		{"expired on the instance's clock, signature still valid", "jwt", body(signed(ks, t0.Add(-time.Minute))), 200,
			fmt.Sprintf(`{"header":{"alg":"ES256","kid":%q,"typ":"JWT"},"claims":{"sub":"alice","iat":%d,"exp":%d},"signature":"valid","problem":"token is expired"}`, kid, t0.Unix(), t0.Add(-time.Minute).Unix())},
		{"another key set", "jwt", body(signed(other, t0.Add(time.Hour))), 200,
			`{"header":{"alg":"ES256","kid":"` + other.Active().KID() + `","typ":"JWT"},"claims":` + claims + `,"signature":"unknown_key","problem":"no key of this instance has the token's kid"}`},
		{"an instance that signs nothing", "bare", body(signed(ks, t0.Add(time.Hour))), 200,
			`{"header":{"alg":"ES256","kid":"` + kid + `","typ":"JWT"},"claims":` + claims + `,"signature":"no_keys"}`},
		{"opaque token", "jwt", `{"token":"3f9a1c0d"}`, 400,
			`{"error":"invalid_request","error_description":"not a JWT: a JWT has three dot-separated parts; an opaque token cannot be decoded"}`},
		{"no token", "jwt", `{}`, 400, `{"error":"invalid_request","error_description":"set \"token\""}`},
		{"unknown member", "jwt", `{"tokn":"x"}`, 400,
			`{"error":"invalid_request","error_description":"the body is not the JSON this call takes: json: unknown field \"tokn\""}`},
		{"unknown instance", "nope", body("x"), 404,
			`{"error":"not_found","error_description":"no provider instance \"nope\"; GET /_authmock/providers lists them"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, h := newAdmin(t, "", nil)
			rec := call(h, http.MethodPost, "/_authmock/providers/"+tc.instance+"/tokens/inspect", tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.JSONEq(t, tc.want, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
}

func TestInspectTokensIsGuarded(t *testing.T) {
	_, h := newAdmin(t, "", nil)
	rec := call(h, http.MethodPost, "/_authmock/providers/jwt/tokens/inspect", `{"token":"x"}`, func(r *http.Request) { r.RemoteAddr = "192.0.2.7:1" })
	assert.Equal(t, http.StatusForbidden, rec.Code)
}
