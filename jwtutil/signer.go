package jwtutil

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Signer names what computes RS256 signatures. Every other algorithm, and
// every verification, always uses Go's crypto.
type Signer string

// The signer choices. SignerAuto is a choice, never a signer in use.
const (
	// SignerAuto uses OpenSSL when it can be loaded, else crypto/rsa.
	SignerAuto Signer = "auto"
	// SignerGo is crypto/rsa.
	SignerGo Signer = "go"
	// SignerOpenSSL is the system's libcrypto.so.3, loaded at run time
	// (needs a cgo build on Linux; no OpenSSL headers at build time).
	SignerOpenSSL Signer = "openssl"
)

// ErrOpenSSLUnavailable means the OpenSSL signer was asked for but cannot
// be used: the binary was built without cgo, or libcrypto.so.3 did not load
// or lacks a function authmock calls.
var ErrOpenSSLUnavailable = errors.New("jwtutil: OpenSSL signer unavailable")

// SignerInfo says which signer SelectSigner put in use.
type SignerInfo struct {
	// Signer is SignerGo or SignerOpenSSL, never SignerAuto.
	Signer Signer
	// Detail describes it: "crypto/rsa" or the OpenSSL version string.
	Detail string
	// Fallback, for SignerAuto only, is why OpenSSL is not in use; nil
	// when it is.
	Fallback error
}

// String is "openssl (OpenSSL 3.0.17 1 Jul 2025)" or "go (crypto/rsa)".
func (i SignerInfo) String() string { return fmt.Sprintf("%s (%s)", i.Signer, i.Detail) }

// activeLib is the library RSA keys constructed from now on sign with;
// nil means crypto/rsa. A key captures it when constructed, so changing it
// never changes how an existing key signs.
var activeLib atomic.Pointer[osslLib]

// SelectSigner chooses, for the whole process, how RSA private keys
// constructed from now on sign RS256 (keys constructed earlier keep their
// signer). Until it is called, keys use crypto/rsa, so a program that
// imports jwtutil never loads a C library unless it asks for one.
//
// SignerOpenSSL returns an error wrapping ErrOpenSSLUnavailable when the
// library cannot be used; SignerAuto then falls back to crypto/rsa and says
// why in SignerInfo.Fallback. Call it once at start-up, before keys load.
func SelectSigner(choice Signer) (SignerInfo, error) {
	return selectSigner(choice, defaultLib)
}

// selectSigner is SelectSigner with the library loader injected, so that
// tests can make loading fail.
func selectSigner(choice Signer, load func() (*osslLib, error)) (SignerInfo, error) {
	info, lib, err := resolveSigner(choice, load)
	if err != nil {
		return SignerInfo{}, err
	}
	activeLib.Store(lib)
	return info, nil
}

// resolveSigner decides what choice means on this machine without
// changing anything: the signer, and the library for SignerOpenSSL.
func resolveSigner(choice Signer, load func() (*osslLib, error)) (SignerInfo, *osslLib, error) {
	goInfo := SignerInfo{Signer: SignerGo, Detail: "crypto/rsa"}
	switch choice {
	case SignerGo:
		return goInfo, nil, nil
	case SignerOpenSSL, SignerAuto:
	default:
		return SignerInfo{}, nil, fmt.Errorf("jwtutil: unknown signer %q (want auto, go or openssl)", choice)
	}
	lib, err := load()
	if err != nil {
		if choice == SignerOpenSSL {
			return SignerInfo{}, nil, fmt.Errorf("%w: %w", ErrOpenSSLUnavailable, err)
		}
		goInfo.Fallback = err
		return goInfo, nil, nil
	}
	return SignerInfo{Signer: SignerOpenSSL, Detail: lib.version}, lib, nil
}

// ProbeSigner reports what SelectSigner(choice) would put in use, without
// changing which signer new keys get (for "authmock version"). It may load
// the library, as SelectSigner would.
func ProbeSigner(choice Signer) (SignerInfo, error) {
	info, _, err := resolveSigner(choice, defaultLib)
	return info, err
}

// defaultLib loads libcrypto.so.3 once per process; a failure is
// remembered too, so every caller gets the same answer.
var defaultLib = sync.OnceValues(func() (*osslLib, error) { return loadOpenSSL(libcryptoName) })

// libcryptoName is the OpenSSL 3 library's soname on Linux distributions.
const libcryptoName = "libcrypto.so.3"

// Signer reports what computes k's signatures: SignerOpenSSL for an RSA
// key constructed while OpenSSL was selected, else SignerGo.
func (k *Key) Signer() Signer {
	if k.ossl != nil {
		return SignerOpenSSL
	}
	return SignerGo
}

// attachSigner gives a new RSA private key an OpenSSL key object when
// OpenSSL is selected. Only constructors call it, before k is shared.
func (k *Key) attachSigner() error {
	priv, ok := k.signer.(*rsa.PrivateKey)
	if !ok || k.alg != RS256 {
		return nil
	}
	lib := activeLib.Load()
	if lib == nil {
		return nil
	}
	o, err := lib.newKey(priv)
	if err != nil {
		return fmt.Errorf("%w: OpenSSL cannot import the RSA key: %v", ErrInvalidKey, err)
	}
	k.ossl = o
	return nil
}

// SelectedSigner is the signer RSA keys constructed now get: SignerOpenSSL
// or SignerGo. Caches of parsed keys include it in their key.
func SelectedSigner() Signer {
	if activeLib.Load() != nil {
		return SignerOpenSSL
	}
	return SignerGo
}
