package jwtutil

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, alg := range allAlgs {
		t.Run(string(alg), func(t *testing.T) {
			k := demoKey(t, alg)
			s := newSet(t, k)
			tok, err := s.Sign(validClaims())
			require.NoError(t, err)
			assert.Equal(t, 2, strings.Count(tok, "."))

			var got jwt.RegisteredClaims
			parsed, err := s.Verify(tok, &got, verifyOpts())
			require.NoError(t, err)
			assert.True(t, parsed.Valid)
			assert.Equal(t, map[string]any{"alg": string(alg), "kid": k.KID(), "typ": "JWT"}, parsed.Header)
			assert.JSONEq(t, string(mustJSON(t, validClaims())), string(mustJSON(t, got)))

			// golang-jwt, used directly with the right key, agrees.
			_, err = jwt.Parse(tok, func(*jwt.Token) (any, error) { return k.verifyKey(), nil },
				jwt.WithTimeFunc(fixedNow), jwt.WithValidMethods([]string{string(alg)}))
			assert.NoError(t, err)
		})
	}
}

func TestSignWithType(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		wantTyp any // nil: header absent
	}{
		{"JWT", "JWT", "JWT"},
		{"RFC 9068 access token", "at+jwt", "at+jwt"},
		{"logout token", "logout+jwt", "logout+jwt"},
		{"empty omits typ", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := demoKey(t, EdDSA)
			s := newSet(t, k)
			tok, err := s.SignWithType(tc.typ, validClaims())
			require.NoError(t, err)
			parsed, err := s.Verify(tok, nil, verifyOpts())
			require.NoError(t, err)
			assert.Equal(t, tc.wantTyp, parsed.Header["typ"])
			assert.Equal(t, k.KID(), parsed.Header["kid"])
		})
	}
}

func TestVerifyType(t *testing.T) {
	s := newSet(t, demoKey(t, ES256))
	at, err := s.SignWithType("at+jwt", validClaims())
	require.NoError(t, err)
	id, err := s.Sign(validClaims())
	require.NoError(t, err)
	tests := []struct {
		name  string
		token string
		want  string
		ok    bool
	}{
		{"exact", at, "at+jwt", true},
		{"application/ prefix", at, "application/at+jwt", true},
		{"case-insensitive", at, "AT+JWT", true},
		{"ID token is not an access token", id, "at+jwt", false},
		{"access token is not a JWT-typed token", at, "JWT", false},
		{"no check", id, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := verifyOpts()
			opts.Type = tc.want
			tok, err := s.Verify(tc.token, nil, opts)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrWrongType)
			assert.ErrorIs(t, err, jwt.ErrTokenInvalidClaims)
			assert.Nil(t, tok)
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	rsaKey := demoKey(t, RS256)
	ecKey := demoKey(t, ES256)
	edKey := demoKey(t, EdDSA)
	hsKey := demoKey(t, HS256)
	set := newSet(t, rsaKey, ecKey, edKey, hsKey)

	sign := func(k *Key, c jwt.Claims) string {
		tok, err := newSet(t, k).Sign(c)
		require.NoError(t, err)
		return tok
	}
	claims := func(edit func(c *jwt.RegisteredClaims)) *jwt.RegisteredClaims {
		c := validClaims()
		edit(c)
		return c
	}
	hmacWith := func(secret []byte) func(string) []byte {
		return func(in string) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(in))
			return m.Sum(nil)
		}
	}
	rsaPubDER, err := x509.MarshalPKIXPublicKey(rsaKey.Public())
	require.NoError(t, err)
	rsaPubPEM := pemOf("PUBLIC KEY", rsaPubDER)
	ecPubPEM := publicPEM(t, ecKey)
	edPubPEM := publicPEM(t, edKey)

	valid := sign(rsaKey, validClaims())
	parts := strings.Split(valid, ".")
	tamperedClaims := claimsMap()
	tamperedClaims["sub"] = "mallory"

	impostor := genKey(t, RS256).WithKID(rsaKey.KID())
	stranger := genKey(t, ES256)

	tests := []struct {
		name  string
		token string
		opts  func(o *VerifyOptions)
		want  []error
	}{
		{
			name:  "alg none with kid",
			token: craft(t, map[string]any{"alg": "none", "kid": rsaKey.KID(), "typ": "JWT"}, claimsMap(), nil),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "alg none with the none-signing key",
			token: mustSignNone(t, rsaKey.KID()),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "alg none without kid",
			token: craft(t, map[string]any{"alg": "none"}, claimsMap(), nil),
			want:  []error{ErrUnknownKey},
		},
		{
			name:  "HS256 keyed with the RSA public key PEM",
			token: craft(t, map[string]any{"alg": "HS256", "kid": rsaKey.KID(), "typ": "JWT"}, claimsMap(), hmacWith(rsaPubPEM)),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "HS256 keyed with the RSA public key DER",
			token: craft(t, map[string]any{"alg": "HS256", "kid": rsaKey.KID(), "typ": "JWT"}, claimsMap(), hmacWith(rsaPubDER)),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "HS256 keyed with the EC public key PEM",
			token: craft(t, map[string]any{"alg": "HS256", "kid": ecKey.KID()}, claimsMap(), hmacWith(ecPubPEM)),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "HS256 keyed with the Ed25519 public key PEM",
			token: craft(t, map[string]any{"alg": "HS256", "kid": edKey.KID()}, claimsMap(), hmacWith(edPubPEM)),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "RS256 header on the HMAC key's kid",
			token: craft(t, map[string]any{"alg": "RS256", "kid": hsKey.KID()}, claimsMap(), func(string) []byte { return make([]byte, 256) }),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "ES256 signature under RS256 kid",
			token: craft(t, map[string]any{"alg": "ES256", "kid": rsaKey.KID()}, claimsMap(), func(string) []byte { return make([]byte, 64) }),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "unknown kid",
			token: sign(stranger, validClaims()),
			want:  []error{ErrUnknownKey, jwt.ErrTokenUnverifiable},
		},
		{
			name:  "no kid with several keys",
			token: craft(t, map[string]any{"alg": "RS256"}, claimsMap(), nil),
			want:  []error{ErrUnknownKey},
		},
		{
			name:  "kid not a string",
			token: craft(t, map[string]any{"alg": "RS256", "kid": 42}, claimsMap(), nil),
			want:  []error{jwt.ErrTokenMalformed},
		},
		{
			name:  "crit header",
			token: craft(t, map[string]any{"alg": "RS256", "kid": rsaKey.KID(), "crit": []string{"exp"}}, claimsMap(), nil),
			want:  []error{jwt.ErrTokenUnverifiable},
		},
		{
			name:  "same kid, other key set",
			token: sign(impostor, validClaims()),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "tampered payload",
			token: parts[0] + "." + b64.EncodeToString(mustJSON(t, tamperedClaims)) + "." + parts[2],
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "tampered signature",
			token: parts[0] + "." + parts[1] + "." + flipLast(parts[2]),
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "signature stripped",
			token: parts[0] + "." + parts[1] + ".",
			want:  []error{jwt.ErrTokenSignatureInvalid},
		},
		{
			name:  "expired",
			token: sign(edKey, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-time.Second)) })),
			want:  []error{jwt.ErrTokenExpired, jwt.ErrTokenInvalidClaims},
		},
		{
			name:  "expired by the injected clock",
			token: valid,
			opts:  func(o *VerifyOptions) { o.Now = func() time.Time { return testNow.Add(2 * time.Hour) } },
			want:  []error{jwt.ErrTokenExpired},
		},
		{
			name:  "expired beyond leeway",
			token: sign(edKey, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-2 * time.Minute)) })),
			opts:  func(o *VerifyOptions) { o.Leeway = time.Minute },
			want:  []error{jwt.ErrTokenExpired},
		},
		{
			name:  "nbf in the future",
			token: sign(ecKey, claims(func(c *jwt.RegisteredClaims) { c.NotBefore = jwt.NewNumericDate(testNow.Add(time.Minute)) })),
			want:  []error{jwt.ErrTokenNotValidYet},
		},
		{
			name:  "iat in the future",
			token: sign(ecKey, claims(func(c *jwt.RegisteredClaims) { c.IssuedAt = jwt.NewNumericDate(testNow.Add(time.Minute)) })),
			want:  []error{jwt.ErrTokenUsedBeforeIssued},
		},
		{
			name:  "wrong iss",
			token: sign(hsKey, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "https://evil.example" })),
			want:  []error{jwt.ErrTokenInvalidIssuer},
		},
		{
			name:  "missing iss",
			token: sign(hsKey, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "" })),
			want:  []error{jwt.ErrTokenRequiredClaimMissing},
		},
		{
			name:  "wrong aud",
			token: sign(rsaKey, claims(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"client-2"} })),
			want:  []error{jwt.ErrTokenInvalidAudience},
		},
		{
			name:  "none of the accepted audiences",
			token: sign(rsaKey, claims(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"a", "b"} })),
			opts:  func(o *VerifyOptions) { o.Audience = []string{"c", "d"} },
			want:  []error{jwt.ErrTokenInvalidAudience},
		},
		{
			name:  "missing aud",
			token: sign(rsaKey, claims(func(c *jwt.RegisteredClaims) { c.Audience = nil })),
			want:  []error{jwt.ErrTokenRequiredClaimMissing},
		},
		{
			name:  "missing exp",
			token: sign(edKey, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })),
			want:  []error{jwt.ErrTokenRequiredClaimMissing},
		},
		{
			name:  "not a JWT",
			token: "hello",
			want:  []error{jwt.ErrTokenMalformed},
		},
		{
			name:  "empty",
			token: "",
			want:  []error{jwt.ErrTokenMalformed},
		},
		{
			name:  "JWE-shaped",
			token: parts[0] + ".a.b.c.d",
			want:  []error{jwt.ErrTokenMalformed},
		},
		{
			name:  "header not base64",
			token: "!!!." + parts[1] + "." + parts[2],
			want:  []error{jwt.ErrTokenMalformed},
		},
		{
			name:  "header not an object",
			token: b64.EncodeToString([]byte(`"x"`)) + "." + parts[1] + "." + parts[2],
			want:  []error{jwt.ErrTokenMalformed},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := verifyOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			tok, err := set.Verify(tc.token, nil, opts)
			require.Error(t, err)
			t.Log(err)
			assert.Nil(t, tok, "no token on failure")
			for _, want := range tc.want {
				assert.ErrorIs(t, err, want)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	edKey := demoKey(t, EdDSA)
	s := newSet(t, edKey)
	sign := func(c jwt.Claims) string {
		tok, err := s.Sign(c)
		require.NoError(t, err)
		return tok
	}
	claims := func(edit func(c *jwt.RegisteredClaims)) *jwt.RegisteredClaims {
		c := validClaims()
		edit(c)
		return c
	}
	tests := []struct {
		name  string
		token string
		opts  func(o *VerifyOptions)
	}{
		{
			name:  "one of several audiences",
			token: sign(claims(func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"a", "b"} })),
			opts:  func(o *VerifyOptions) { o.Audience = []string{"x", "b"} },
		},
		{
			name:  "expired within leeway",
			token: sign(claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = jwt.NewNumericDate(testNow.Add(-30 * time.Second)) })),
			opts:  func(o *VerifyOptions) { o.Leeway = time.Minute },
		},
		{
			name:  "missing exp allowed",
			token: sign(claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })),
			opts:  func(o *VerifyOptions) { o.AllowMissingExp = true },
		},
		{
			name:  "no issuer or audience checks",
			token: sign(claims(func(c *jwt.RegisteredClaims) { c.Issuer, c.Audience = "", nil })),
			opts:  func(o *VerifyOptions) { o.Issuer, o.Audience = "", nil },
		},
		{
			name:  "no kid, one-key set",
			token: craft(t, map[string]any{"alg": "EdDSA"}, claimsMap(), func(in string) []byte { b, _ := edKey.method.Sign(in, edKey.signer); return b }),
		},
		{
			name: "nil Now means the wall clock",
			token: sign(claims(func(c *jwt.RegisteredClaims) {
				c.IssuedAt, c.NotBefore, c.ExpiresAt = nil, nil, jwt.NewNumericDate(time.Now().Add(time.Hour))
			})),
			opts: func(o *VerifyOptions) { o.Now = nil },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := verifyOpts()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			tok, err := s.Verify(tc.token, nil, opts)
			require.NoError(t, err)
			assert.True(t, tok.Valid)
			assert.IsType(t, jwt.MapClaims{}, tok.Claims, "nil claims decode into MapClaims")
		})
	}
}

// mustSignNone uses golang-jwt's own "none" method, the way an attacker
// with the library would.
func mustSignNone(t *testing.T, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(claimsMap()))
	tok.Header["kid"] = kid
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	return s
}

func flipLast(seg string) string {
	b := []byte(seg)
	if b[len(b)-2] == 'A' {
		b[len(b)-2] = 'B'
	} else {
		b[len(b)-2] = 'A'
	}
	return string(b)
}
