package jwtutil

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParsePEM reads one key from PEM data: a private key (PKCS#8 "PRIVATE
// KEY", PKCS#1 "RSA PRIVATE KEY" or SEC 1 "EC PRIVATE KEY"), or a public key
// (PKIX "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY"), which gives a verify-only
// Key. An "EC PARAMETERS" block, as openssl ecparam writes, is skipped; any
// other second block is an error rather than a guess.
//
// alg "" infers the algorithm (RSA: RS256, P-256: ES256, Ed25519: EdDSA);
// otherwise alg must fit the key. Encrypted PEM, HS256 and unsupported
// curves are rejected. The kid is the thumbprint; use WithKID to rename.
func ParsePEM(data []byte, alg Algorithm) (*Key, error) {
	switch alg {
	case "", RS256, ES256, EdDSA:
	case HS256:
		return nil, fmt.Errorf("%w: HS256 secrets are not read from PEM (use NewHMAC)", ErrUnsupportedAlgorithm)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
	}

	var block *pem.Block
	for rest := data; ; {
		b, r := pem.Decode(rest)
		if b == nil {
			break
		}
		rest = r
		if b.Type == "EC PARAMETERS" {
			continue
		}
		if block != nil {
			return nil, fmt.Errorf("%w: PEM holds more than one key (%s, %s)", ErrInvalidKey, block.Type, b.Type)
		}
		block = b
	}
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrInvalidKey)
	}
	if _, ok := block.Headers["Proc-Type"]; ok || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("%w: encrypted PEM is not supported", ErrInvalidKey)
	}

	var (
		raw any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		raw, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		raw, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		raw, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		raw, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		raw, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: unsupported PEM block %q", ErrInvalidKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, block.Type, err)
	}
	return keyFromCrypto(raw, alg)
}

// keyFromCrypto wraps a key from crypto/x509 into a Key.
func keyFromCrypto(raw any, alg Algorithm) (*Key, error) {
	switch k := raw.(type) {
	case *rsa.PrivateKey:
		return newAsymmetricKey(alg, k, &k.PublicKey)
	case *ecdsa.PrivateKey:
		return newAsymmetricKey(alg, k, &k.PublicKey)
	case ed25519.PrivateKey:
		return newAsymmetricKey(alg, k, k.Public())
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return newAsymmetricKey(alg, nil, k)
	}
	return nil, fmt.Errorf("%w: key type %T", ErrUnsupportedAlgorithm, raw)
}
