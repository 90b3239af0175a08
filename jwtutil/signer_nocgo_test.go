//go:build !cgo || !linux

package jwtutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSelectSignerWithoutCgo: a build that cannot load OpenSSL refuses an
// explicit openssl with the reason, and auto falls back to crypto/rsa.
func TestSelectSignerWithoutCgo(t *testing.T) {
	t.Cleanup(func() { activeLib.Store(nil) })
	_, err := SelectSigner(SignerOpenSSL)
	require.ErrorIs(t, err, ErrOpenSSLUnavailable)
	require.ErrorIs(t, err, errNoOpenSSL)
	info, err := SelectSigner(SignerAuto)
	require.NoError(t, err)
	assert.Equal(t, SignerInfo{Signer: SignerGo, Detail: "crypto/rsa", Fallback: errNoOpenSSL}, info)
	assert.Equal(t, SignerGo, genKey(t, RS256).Signer())
}

func TestLoadOpenSSLWithoutCgo(t *testing.T) {
	lib, err := loadOpenSSL(libcryptoName)
	require.ErrorIs(t, err, errNoOpenSSL)
	assert.Nil(t, lib)
}
