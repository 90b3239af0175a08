package provider

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// RandomBytes reads n bytes from the instance's random source.
func (d Deps) RandomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(d.Rand, b); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return b, nil
}

// RandomHex returns n random bytes, hex encoded: ids such as jti and grant
// (family) ids.
func (d Deps) RandomHex(n int) (string, error) {
	b, err := d.RandomBytes(n)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// RandomToken returns 256 random bits, base64url encoded: unguessable
// secrets such as authorization codes and refresh tokens.
func (d Deps) RandomToken() (string, error) {
	b, err := d.RandomBytes(32)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
