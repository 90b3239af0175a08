//go:build !cgo || !linux

package jwtutil

import (
	"crypto/rsa"
	"errors"
	"runtime"
)

// osslLib stands in for the loaded library in builds that cannot load
// one; loadOpenSSL never returns one, so its methods are never reached.
type osslLib struct{ version string }

// osslKey is never constructed in these builds.
type osslKey struct{}

// errNoOpenSSL says why this binary cannot use OpenSSL.
var errNoOpenSSL = func() error {
	if runtime.GOOS != "linux" {
		return errors.New("the OpenSSL signer is built on Linux only")
	}
	return errors.New("this binary was built without cgo (CGO_ENABLED=0)")
}()

func loadOpenSSL(string) (*osslLib, error) { return nil, errNoOpenSSL }

func (*osslLib) newKey(*rsa.PrivateKey) (*osslKey, error) { return nil, errNoOpenSSL }

func (*osslKey) appendRS256(_, _ []byte) ([]byte, error) { return nil, errNoOpenSSL }
