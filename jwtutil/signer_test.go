package jwtutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSelectSignerFallback: when the library cannot be loaded, auto falls
// back to crypto/rsa and says why, an explicit openssl is an error, and
// keys keep signing with Go either way.
func TestSelectSignerFallback(t *testing.T) {
	t.Cleanup(func() { activeLib.Store(nil) })
	missing := func() (*osslLib, error) { return loadOpenSSL("libauthmock-missing.so.0") }
	_, loadErr := missing()
	require.Error(t, loadErr)

	info, err := selectSigner(SignerAuto, missing)
	require.NoError(t, err)
	assert.Equal(t, SignerInfo{Signer: SignerGo, Detail: "crypto/rsa", Fallback: loadErr}, info)
	assert.Equal(t, "go (crypto/rsa)", info.String())

	_, err = selectSigner(SignerOpenSSL, missing)
	require.ErrorIs(t, err, ErrOpenSSLUnavailable)
	assert.Equal(t, "jwtutil: OpenSSL signer unavailable: "+loadErr.Error(), err.Error())
	assert.Nil(t, activeLib.Load(), "a failed selection changes nothing")

	_, err = selectSigner("boring", missing)
	require.EqualError(t, err, `jwtutil: unknown signer "boring" (want auto, go or openssl)`)

	k := demoKey(t, RS256)
	assert.Equal(t, SignerGo, k.Signer())
	tok, err := newSet(t, k).Sign(validClaims())
	require.NoError(t, err)
	_, err = newSet(t, k).Verify(tok, nil, verifyOpts())
	require.NoError(t, err)
}

// TestProbeSignerChangesNothing: ProbeSigner answers what a selection would
// do without making it.
func TestProbeSignerChangesNothing(t *testing.T) {
	_, err := ProbeSigner(SignerAuto)
	require.NoError(t, err)
	assert.Nil(t, activeLib.Load())
	assert.Equal(t, SignerGo, demoKey(t, RS256).Signer())
}
