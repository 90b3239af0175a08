// Package jwtutil owns everything authmock does with JOSE keys: generating
// and loading signing keys (PEM, JWK), naming them (RFC 7638 thumbprints),
// signing tokens, verifying them, and publishing the public half as a JWKS.
//
// It is separate from the dialects and the HTTP layer because the rules that
// keep tokens trustworthy are easy to get subtly wrong and must be written
// and tested once: a token is verified only by the key its "kid" names, only
// with that key's own algorithm ("none" and HS256-with-a-public-key
// algorithm confusion are impossible by construction), and expiry is judged
// by an injected clock. The package imports nothing else from authmock, so a
// test harness can use it on its own to mint or check tokens.
//
// A KeySet holds one active signing key and any number of verification-only
// keys, which is how key rotation is emulated: rotate, and tokens signed by
// the old key keep verifying until that key is removed. Its JWKS document is
// rendered once per change, not per request.
//
// RS256 signatures are computed by crypto/rsa unless SelectSigner puts the
// system's OpenSSL (libcrypto.so.3, loaded at run time in cgo builds on
// Linux) in use for the RSA keys constructed afterwards; its signatures are
// byte-identical to crypto/rsa's, and verification is always pure Go.
//
// The demo keys under fixtures/keys are public, checked-in test material for
// reproducible tokens. They must never be used to protect anything real.
package jwtutil
