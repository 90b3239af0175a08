package jwtutil

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func BenchmarkSign(b *testing.B) {
	for _, alg := range allAlgs {
		b.Run(string(alg), func(b *testing.B) {
			s := newSet(b, demoKey(b, alg))
			claims := validClaims()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Sign(claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, alg := range allAlgs {
		b.Run(string(alg), func(b *testing.B) {
			// A realistic set: the other demo keys sit next to the signer.
			k := demoKey(b, alg)
			var others []*Key
			for _, o := range allAlgs {
				if o != alg {
					others = append(others, demoKey(b, o))
				}
			}
			s := newSet(b, k, others...)
			tok, err := s.Sign(validClaims())
			if err != nil {
				b.Fatal(err)
			}
			opts := verifyOpts()
			b.ReportAllocs()
			for b.Loop() {
				var c jwt.RegisteredClaims
				if _, err := s.Verify(tok, &c, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkJWKS(b *testing.B) {
	s := newSet(b, demoKey(b, RS256), demoKey(b, ES256), demoKey(b, EdDSA))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.JWKS()
	}
}

// BenchmarkSignAppender is the token endpoint's path: SignWithType with
// claims that append their own JSON.
func BenchmarkSignAppender(b *testing.B) {
	for _, alg := range allAlgs {
		b.Run(string(alg), func(b *testing.B) {
			s := newSet(b, demoKey(b, alg))
			claims := newAppenderClaims(b, validClaims())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SignWithType("at+jwt", claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
