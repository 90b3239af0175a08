// Package dpop checks RFC 9449 DPoP proofs: the "DPoP" request header a
// client signs with a key of its own so that the tokens issued to it, and
// the requests that present them, are bound to that key.
//
// It is separate from the dialects because a proof is checked the same way
// at a token endpoint (which binds the tokens it issues) and at a protected
// resource (which checks the binding): Parse does the stateless part
// (syntax, signature, key), Verifier the request-dependent part (htm, htu,
// iat on authmock's clock, nonce, ath, the key a token is bound to) and,
// last, the jti replay check, so that a proof refused for any other reason
// leaves no trace.
package dpop
