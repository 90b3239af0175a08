package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkBareHandler is the baseline's token request in process, with
// the same request as internal/server's BenchmarkTokenThroughChain, so the
// two allocation counts can be set side by side.
func BenchmarkBareHandler(b *testing.B) {
	for _, alg := range []string{"HS256", "EdDSA", "ES256"} {
		b.Run(alg, func(b *testing.B) {
			keys, err := loadDemoKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			h := &bareHandler{keys: keys, issuer: "http://127.0.0.1:8080/oidc"}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(tokenRequestBody))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(bareClientID, bareClientSecret)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
