package jwtutil

import "errors"

// Sentinel errors. Callers compare with errors.Is. Verification failures
// also wrap golang-jwt's sentinels (jwt.ErrTokenExpired, jwt.ErrTokenMalformed,
// jwt.ErrTokenSignatureInvalid, ...), so those keep working too.
var (
	// ErrUnknownKey means no key in the set matches the requested kid (or a
	// token carries no kid and the set does not hold exactly one key).
	ErrUnknownKey = errors.New("jwtutil: unknown key")
	// ErrUnsupportedAlgorithm means the algorithm is not one of RS256,
	// ES256, EdDSA, HS256, or does not fit the key material.
	ErrUnsupportedAlgorithm = errors.New("jwtutil: unsupported algorithm")
	// ErrInvalidKey means key material could not be parsed or is unusable
	// (too short, wrong curve, inconsistent, verify-only where a signer is
	// needed, ...).
	ErrInvalidKey = errors.New("jwtutil: invalid key")
	// ErrWrongType means a token's "typ" header is not VerifyOptions.Type.
	// Verify joins it with jwt.ErrTokenInvalidClaims.
	ErrWrongType = errors.New("jwtutil: wrong token type")
)
