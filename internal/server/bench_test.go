package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/providers/builtin"
)

// BenchmarkTokenThroughChain measures a client_credentials token request
// through everything the server puts around a dialect (middleware, router,
// mounting), in process, per signing algorithm. Compare with
// providers/oidc's BenchmarkTokenClientCredentials to see what the chain
// costs.
func BenchmarkTokenThroughChain(b *testing.B) {
	for _, key := range []string{"demo-rs256", "demo-es256", "demo-eddsa", "demo-hs256"} {
		b.Run(key, func(b *testing.B) {
			file := `{"server":{"addr":"127.0.0.1:0","issuer_url":"http://127.0.0.1:8080","log_level":"warn"},
				"providers":[{"name":"oidc","config":{"keys":[{"builtin":"` + key + `"}]}}]}`
			cfg, ps := config.Load([]byte(file), b.TempDir(), builtin.ByDialect())
			if len(ps) > 0 {
				b.Fatal(ps)
			}
			s, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			h := s.handler()
			body := "grant_type=client_credentials&scope=api%3Aread"
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth("demo-service", "demo-service-secret")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
