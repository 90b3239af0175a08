package jwtutil

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateKey(t *testing.T) {
	tests := []struct {
		name    string
		alg     Algorithm
		pubType any
	}{
		{"RS256", RS256, &rsa.PublicKey{}},
		{"ES256", ES256, &ecdsa.PublicKey{}},
		{"EdDSA", EdDSA, ed25519.PublicKey{}},
		{"HS256", HS256, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := genKey(t, tc.alg)
			assert.Equal(t, tc.alg, k.Alg())
			assert.True(t, k.CanSign())
			assert.IsType(t, tc.pubType, k.Public())
			assert.Len(t, k.Thumbprint(), 43)
			assert.Equal(t, k.Thumbprint(), k.KID(), "kid defaults to the thumbprint")
			if tc.alg == RS256 {
				assert.Equal(t, 2048, k.Public().(*rsa.PublicKey).N.BitLen())
			}
			if tc.alg == HS256 {
				assert.Len(t, k.secret, 32)
			}
		})
	}
	t.Run("two keys differ", func(t *testing.T) {
		assert.NotEqual(t, genKey(t, EdDSA).KID(), genKey(t, EdDSA).KID())
	})
	t.Run("unsupported", func(t *testing.T) {
		for _, alg := range []Algorithm{"", "none", "PS256", "RS512", "es256"} {
			_, err := GenerateKey(alg)
			assert.ErrorIs(t, err, ErrUnsupportedAlgorithm, "alg %q", alg)
		}
	})
}

func TestNewHMAC(t *testing.T) {
	tests := []struct {
		name    string
		secret  []byte
		wantErr bool
	}{
		{"nil", nil, true},
		{"31 bytes", bytes.Repeat([]byte{'a'}, 31), true},
		{"32 bytes", bytes.Repeat([]byte{'a'}, 32), false},
		{"64 bytes", bytes.Repeat([]byte{'b'}, 64), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewHMAC(tc.secret)
			if tc.wantErr {
				assert.ErrorIs(t, err, ErrInvalidKey)
				assert.Nil(t, k)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, HS256, k.Alg())
			assert.True(t, k.CanSign())
			assert.Nil(t, k.Public())
			assert.Nil(t, k.PublicJWK())
		})
	}
	t.Run("secret is copied", func(t *testing.T) {
		secret := bytes.Repeat([]byte{'s'}, 32)
		k, err := NewHMAC(secret)
		require.NoError(t, err)
		s := newSet(t, k)
		tok, err := s.Sign(validClaims())
		require.NoError(t, err)
		secret[0] = 'X' // must not affect the key
		_, err = s.Verify(tok, nil, verifyOpts())
		assert.NoError(t, err)
	})
}

func TestWithKID(t *testing.T) {
	k := demoKey(t, ES256)
	named := k.WithKID("2025-01")
	assert.Equal(t, "2025-01", named.KID())
	assert.Equal(t, k.Thumbprint(), k.KID(), "original unchanged")
	assert.Equal(t, k.Thumbprint(), named.Thumbprint(), "same material, same thumbprint")
	assert.Equal(t, "2025-01", named.PublicJWK()["kid"])
	assert.Equal(t, k.Thumbprint(), named.WithKID("").KID(), "empty kid reverts to the thumbprint")

	tok, err := newSet(t, named).Sign(validClaims())
	require.NoError(t, err)
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	require.NoError(t, err)
	assert.Equal(t, "2025-01", parsed.Header["kid"])

	for _, tc := range []struct{ name, kid, want string }{
		{"JSON-special characters", `a"b\<c>&`, `a"b\<c>&`},
		{"invalid UTF-8 is normalised as JSON would", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			named := k.WithKID(tc.kid)
			assert.Equal(t, tc.want, named.KID())
			s := newSet(t, named)
			tok, err := s.Sign(validClaims())
			require.NoError(t, err)
			parsed, err := s.Verify(tok, nil, verifyOpts())
			require.NoError(t, err)
			assert.Equal(t, tc.want, parsed.Header["kid"])
		})
	}
}

func TestKeyNeverPrintsSecrets(t *testing.T) {
	for _, alg := range allAlgs {
		t.Run(string(alg), func(t *testing.T) {
			k := demoKey(t, alg)
			var secrets []string
			if k.secret != nil {
				secrets = append(secrets, string(k.secret), b64.EncodeToString(k.secret))
			} else {
				jwk := string(privateJWK(t, k))
				require.Contains(t, jwk, `"d":"`)
				_, d, _ := strings.Cut(jwk, `"d":"`)
				d, _, _ = strings.Cut(d, `"`)
				secrets = append(secrets, d)
			}

			var logBuf bytes.Buffer
			slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("key", "key", k)
			outputs := map[string]string{
				"slog":        logBuf.String(),
				"%v":          fmt.Sprintf("%v", k),
				"%+v":         fmt.Sprintf("%+v", k),
				"%#v":         fmt.Sprintf("%#v", k),
				"%s":          fmt.Sprintf("%s", k),
				"%d":          fmt.Sprintf("%d", k),
				"%x":          fmt.Sprintf("%x", k),
				"in a struct": fmt.Sprintf("%+v", struct{ K *Key }{k}),
			}
			for name, out := range outputs {
				if name[0] == '%' {
					assert.Equal(t, k.String(), out, name)
				}
				assert.Contains(t, out, k.KID(), name)
				assert.Contains(t, out, string(alg), name)
				for _, s := range secrets {
					assert.NotContains(t, out, s, name)
				}
			}
			assert.Contains(t, logBuf.String(), `"key":{"kid":"`+k.KID()+`","alg":"`+string(alg)+`"}`)
		})
	}
	t.Run("nil key", func(t *testing.T) {
		var k *Key
		assert.Equal(t, "<nil>", k.LogValue().String())
		assert.Equal(t, "jwtutil.Key(nil)", k.String())
	})
}

func TestMarshalPrivatePEM(t *testing.T) {
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			k := genKey(t, alg)
			pemBytes, err := k.MarshalPrivatePEM()
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(pemBytes, []byte("-----BEGIN PRIVATE KEY-----\n")))
			back, err := ParsePEM(pemBytes, "")
			require.NoError(t, err)
			assert.Equal(t, k.Thumbprint(), back.Thumbprint())
			assert.Equal(t, alg, back.Alg())
			assert.True(t, back.CanSign())

			// The demo files are in exactly this form.
			demo := demoKey(t, alg)
			out, err := demo.MarshalPrivatePEM()
			require.NoError(t, err)
			assert.Equal(t, string(readDemo(t, alg)), string(out))
		})
	}
	t.Run("HS256", func(t *testing.T) {
		_, err := demoKey(t, HS256).MarshalPrivatePEM()
		assert.ErrorIs(t, err, ErrInvalidKey)
	})
	t.Run("verify-only", func(t *testing.T) {
		pub, err := ParseJWK(mustJSON(t, demoKey(t, EdDSA).PublicJWK()))
		require.NoError(t, err)
		_, err = pub.MarshalPrivatePEM()
		assert.ErrorIs(t, err, ErrInvalidKey)
	})
}
