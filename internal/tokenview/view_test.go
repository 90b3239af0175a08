package tokenview_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/tokenview"
	"github.com/authmock/authmock/jwtutil"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func keySet(t *testing.T) *jwtutil.KeySet {
	t.Helper()
	k, err := jwtutil.GenerateKey(jwtutil.ES256)
	require.NoError(t, err)
	ks, err := jwtutil.NewKeySet(k)
	require.NoError(t, err)
	return ks
}

func sign(t *testing.T, ks *jwtutil.KeySet, exp time.Time) string {
	t.Helper()
	tok, err := ks.Sign(jwt.MapClaims{"sub": "alice", "iat": t0.Unix(), "exp": exp.Unix(), "cloud": 123456789012})
	require.NoError(t, err)
	return tok
}

// swap replaces part i of a JWT.
func swap(tok string, i int, part string) string {
	parts := strings.Split(tok, ".")
	parts[i] = part
	return strings.Join(parts, ".")
}

func TestInspect(t *testing.T) {
	ks, other := keySet(t), keySet(t)
	live := sign(t, ks, t0.Add(time.Hour))
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"mallory","iat":1767323045,"exp":1767326645,"cloud":123456789012}`))
	now := func() time.Time { return t0 }

	tests := []struct {
		name      string
		token     string
		keys      *jwtutil.KeySet
		signature string
		problem   string
		sub       string
	}{
		{"valid", live, ks, tokenview.Valid, "", "alice"},
		{"valid but expired on the clock", sign(t, ks, t0.Add(-time.Second)), ks, tokenview.Valid, "token is expired", "alice"},
		{"claims changed after signing", swap(live, 1, forged), ks, tokenview.Invalid, "the signature does not verify with this instance's key", "mallory"},
		{"signature cut", swap(live, 2, "AAAA"), ks, tokenview.Invalid, "the signature does not verify with this instance's key", "alice"},
		{"another instance's key", sign(t, other, t0.Add(time.Hour)), ks, tokenview.UnknownKey, "no key of this instance has the token's kid", "alice"},
		{"an instance without keys", live, nil, tokenview.NoKeys, "", "alice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := tokenview.Inspect(tc.token, tc.keys, now)
			require.NoError(t, err)
			assert.Equal(t, tc.signature, v.Signature)
			assert.Equal(t, tc.problem, v.Problem)
			assert.Equal(t, tc.sub, v.Claims["sub"])
			assert.Equal(t, json.Number("123456789012"), v.Claims["cloud"], "numbers keep their exact text")
			assert.Equal(t, "ES256", v.Header["alg"])
		})
	}
}

func TestInspectRejectsWhatIsNotAJWT(t *testing.T) {
	obj := base64.RawURLEncoding.EncodeToString([]byte(`{"a":1}`))
	arr := base64.RawURLEncoding.EncodeToString([]byte(`[1]`))
	tests := []struct{ name, token, want string }{
		{"opaque", "3f9a1c", "not a JWT: a JWT has three dot-separated parts"},
		{"two parts", obj + "." + obj, "not a JWT: a JWT has three dot-separated parts"},
		{"header not base64url", "e+J." + obj + ".sig", "not a JWT: header is not base64url"},
		{"header not an object", arr + "." + obj + ".sig", "not a JWT: header is not a JSON object"},
		{"claims not JSON", obj + ".bm9wZQ.sig", "not a JWT: claims is not a JSON object"},
		{"claims null", obj + "." + base64.RawURLEncoding.EncodeToString([]byte("null")) + ".sig", "not a JWT: claims is not a JSON object"},
		{"too long", obj + "." + strings.Repeat("A", 16<<10) + ".sig", "not a JWT: longer than 16 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tokenview.Inspect(tc.token, keySet(t), func() time.Time { return t0 })
			require.ErrorIs(t, err, tokenview.ErrNotJWT)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestLooks(t *testing.T) {
	assert.True(t, tokenview.Looks("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"))
	assert.False(t, tokenview.Looks("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0"), "two parts")
	assert.False(t, tokenview.Looks("abc.def.ghi"), "no JSON header")
	assert.False(t, tokenview.Looks("[redacted sha256:1a2b3c4d]"))
}
