package jwtutil

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func publicPEM(tb testing.TB, k *Key) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	require.NoError(tb, err)
	return pemOf("PUBLIC KEY", der)
}

func TestParsePEM(t *testing.T) {
	rsaKey := demoKey(t, RS256)
	ecKey := demoKey(t, ES256)
	edKey := demoKey(t, EdDSA)
	rsaPriv := rsaKey.signer.(*rsa.PrivateKey)
	ecPriv := ecKey.signer.(*ecdsa.PrivateKey)

	sec1, err := x509.MarshalECPrivateKey(ecPriv)
	require.NoError(t, err)
	ecParams := pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})

	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p384sec1, err := x509.MarshalECPrivateKey(p384)
	require.NoError(t, err)
	p384pkcs8, err := x509.MarshalPKCS8PrivateKey(p384)
	require.NoError(t, err)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	x25519der, err := x509.MarshalPKCS8PrivateKey(x25519)
	require.NoError(t, err)
	x25519pub, err := x509.MarshalPKIXPublicKey(x25519.PublicKey())
	require.NoError(t, err)

	encrypted := pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000"},
		Bytes:   x509.MarshalPKCS1PrivateKey(rsaPriv),
	})

	tests := []struct {
		name    string
		data    []byte
		alg     Algorithm
		wantAlg Algorithm
		wantKey *Key // same thumbprint expected
		canSign bool
		wantErr error
	}{
		{name: "RSA PKCS#8 inferred", data: readDemo(t, RS256), wantAlg: RS256, wantKey: rsaKey, canSign: true},
		{name: "RSA PKCS#8 explicit", data: readDemo(t, RS256), alg: RS256, wantAlg: RS256, wantKey: rsaKey, canSign: true},
		{name: "EC PKCS#8 inferred", data: readDemo(t, ES256), wantAlg: ES256, wantKey: ecKey, canSign: true},
		{name: "Ed25519 PKCS#8 inferred", data: readDemo(t, EdDSA), wantAlg: EdDSA, wantKey: edKey, canSign: true},
		{name: "Ed25519 PKCS#8 explicit", data: readDemo(t, EdDSA), alg: EdDSA, wantAlg: EdDSA, wantKey: edKey, canSign: true},
		{name: "RSA PKCS#1", data: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv)), wantAlg: RS256, wantKey: rsaKey, canSign: true},
		{name: "EC SEC1", data: pemOf("EC PRIVATE KEY", sec1), alg: ES256, wantAlg: ES256, wantKey: ecKey, canSign: true},
		{name: "EC SEC1 after EC PARAMETERS", data: append(ecParams, pemOf("EC PRIVATE KEY", sec1)...), wantAlg: ES256, wantKey: ecKey, canSign: true},
		{name: "text around the block", data: append([]byte("comment line\n"), readDemo(t, EdDSA)...), wantAlg: EdDSA, wantKey: edKey, canSign: true},
		{name: "RSA public PKIX", data: publicPEM(t, rsaKey), wantAlg: RS256, wantKey: rsaKey},
		{name: "EC public PKIX", data: publicPEM(t, ecKey), alg: ES256, wantAlg: ES256, wantKey: ecKey},
		{name: "Ed25519 public PKIX", data: publicPEM(t, edKey), wantAlg: EdDSA, wantKey: edKey},
		{name: "RSA public PKCS#1", data: pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaPriv.PublicKey)), wantAlg: RS256, wantKey: rsaKey},

		{name: "ES256 with RSA key", data: readDemo(t, RS256), alg: ES256, wantErr: ErrUnsupportedAlgorithm},
		{name: "RS256 with EC key", data: readDemo(t, ES256), alg: RS256, wantErr: ErrUnsupportedAlgorithm},
		{name: "RS256 with Ed25519 key", data: readDemo(t, EdDSA), alg: RS256, wantErr: ErrUnsupportedAlgorithm},
		{name: "EdDSA with EC public key", data: publicPEM(t, ecKey), alg: EdDSA, wantErr: ErrUnsupportedAlgorithm},
		{name: "HS256 requested", data: readDemo(t, RS256), alg: HS256, wantErr: ErrUnsupportedAlgorithm},
		{name: "unknown alg", data: readDemo(t, RS256), alg: "PS256", wantErr: ErrUnsupportedAlgorithm},
		{name: "alg none", data: readDemo(t, RS256), alg: "none", wantErr: ErrUnsupportedAlgorithm},
		{name: "P-384 SEC1", data: pemOf("EC PRIVATE KEY", p384sec1), wantErr: ErrUnsupportedAlgorithm},
		{name: "P-384 PKCS#8 as ES256", data: pemOf("PRIVATE KEY", p384pkcs8), alg: ES256, wantErr: ErrUnsupportedAlgorithm},
		{name: "RSA 1024", data: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024)), wantErr: ErrInvalidKey},
		{name: "X25519 PKCS#8", data: pemOf("PRIVATE KEY", x25519der), wantErr: ErrUnsupportedAlgorithm},
		{name: "X25519 public", data: pemOf("PUBLIC KEY", x25519pub), wantErr: ErrUnsupportedAlgorithm},
		{name: "two keys", data: append(readDemo(t, RS256), readDemo(t, ES256)...), wantErr: ErrInvalidKey},
		{name: "encrypted PEM", data: encrypted, wantErr: ErrInvalidKey},
		{name: "encrypted PKCS#8", data: pemOf("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x00}), wantErr: ErrInvalidKey},
		{name: "certificate", data: pemOf("CERTIFICATE", []byte{0x30, 0x00}), wantErr: ErrInvalidKey},
		{name: "wrong block type for content", data: pemOf("EC PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaPriv)), wantErr: ErrInvalidKey},
		{name: "corrupt DER", data: pemOf("PRIVATE KEY", []byte("not der")), wantErr: ErrInvalidKey},
		{name: "only EC PARAMETERS", data: ecParams, wantErr: ErrInvalidKey},
		{name: "empty", data: nil, wantErr: ErrInvalidKey},
		{name: "garbage", data: []byte("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n"), wantErr: ErrInvalidKey},
		{name: "JWK is not PEM", data: []byte(rfc7638Key), wantErr: ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePEM(tc.data, tc.alg)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, k)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantAlg, k.Alg())
			assert.Equal(t, tc.canSign, k.CanSign())
			assert.Equal(t, tc.wantKey.Thumbprint(), k.Thumbprint())
			assert.Equal(t, k.Thumbprint(), k.KID())
		})
	}
}

func TestParsePEMVerifyOnlyKeyVerifies(t *testing.T) {
	for _, alg := range []Algorithm{RS256, ES256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			signer := demoKey(t, alg)
			tok, err := newSet(t, signer).Sign(validClaims())
			require.NoError(t, err)

			pub, err := ParsePEM(publicPEM(t, signer), "")
			require.NoError(t, err)
			require.False(t, pub.CanSign())
			_, err = newSet(t, genKey(t, alg), pub).Verify(tok, nil, verifyOpts())
			assert.NoError(t, err)

			_, err = NewKeySet(pub)
			assert.ErrorIs(t, err, ErrInvalidKey, "a verify-only key cannot be active")
		})
	}
}
