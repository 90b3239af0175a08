package oidc

import (
	"context"
	"errors"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/oauth"
)

// FuzzTrustedToken: no JWT panics the verification of a jwt-bearer
// assertion or of a token-exchange subject token; every failure is the
// RFC's error code (invalid_grant, invalid_request), and an accepted token
// really verifies with a trusted issuer's key under that key's algorithm.
func FuzzTrustedToken(f *testing.F) {
	es := newExchangeServer(f)
	valid := es.signIdp(es.bearerClaims(aliceSubject))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, es.bearerClaims(aliceSubject)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for _, seed := range []string{valid, none, "a.b.c", "", valid + "x", "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.c2ln"} {
		f.Add(seed)
	}
	idpPub := &es.idp.priv.PublicKey
	f.Fuzz(func(t *testing.T, token string) {
		_, tr, err := es.p.verifyBearerAssertion(token)
		if err != nil {
			var e *oauth.Error
			if !errors.As(err, &e) || e.Code != oauth.CodeInvalidGrant {
				t.Fatalf("assertion: unexpected error %v", err)
			}
		} else if tr.issuer == idpIssuer {
			if _, err := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithoutClaimsValidation()).
				Parse(token, func(*jwt.Token) (any, error) { return idpPub, nil }); err != nil {
				t.Fatalf("accepted an assertion the idp key does not verify: %v", err)
			}
		}
		if _, err := es.p.readExchangeToken(context.Background(), token, oauth.TokenTypeJWT, "subject_token"); err != nil {
			var e *oauth.Error
			if !errors.As(err, &e) || e.Code != oauth.CodeInvalidRequest {
				t.Fatalf("subject token: unexpected error %v", err)
			}
		}
	})
}
