package oidc

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

// The benchmarks serve requests in process, through the mounted router and
// an httptest.ResponseRecorder, so they measure the dialect rather than the
// network.

func benchServe(b *testing.B, ip *inProcess, newReq func() *http.Request) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ip.router.ServeHTTP(rec, newReq())
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkTokenClientCredentials(b *testing.B) {
	for _, alg := range []struct{ name, key string }{
		{"RS256", "demo-rs256"},
		{"ES256", "demo-es256"},
		{"EdDSA", "demo-eddsa"},
		{"HS256", "demo-hs256"},
	} {
		b.Run(alg.name, func(b *testing.B) {
			ip := newInProcess(b, func(c *Config) { c.Keys = []fixtures.KeySpec{{Builtin: alg.key}} })
			if got := string(ip.p.keys.Active().Alg()); got != alg.name {
				b.Fatalf("the active key signs %s, not %s", got, alg.name)
			}
			auth := basicAuth(serviceID, serviceSecret)
			benchServe(b, ip, func() *http.Request {
				req := httptest.NewRequest(http.MethodPost, pathPrefix+PathToken, strings.NewReader("grant_type=client_credentials&scope=api%3Aread"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", auth)
				return req
			})
		})
	}
}

func BenchmarkDiscovery(b *testing.B) {
	ip := newInProcess(b, nil)
	benchServe(b, ip, func() *http.Request {
		return httptest.NewRequest(http.MethodGet, pathPrefix+PathDiscovery, nil)
	})
}

func BenchmarkJWKS(b *testing.B) {
	ip := newInProcess(b, nil)
	benchServe(b, ip, func() *http.Request {
		return httptest.NewRequest(http.MethodGet, pathPrefix+PathJWKS, nil)
	})
}

func BenchmarkUserinfo(b *testing.B) {
	ip := newInProcess(b, nil)
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid", "profile", "email"}})
	if err != nil {
		b.Fatal(err)
	}
	bearer := "Bearer " + res.AccessToken
	benchServe(b, ip, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, pathPrefix+PathUserinfo, nil)
		req.Header.Set("Authorization", bearer)
		return req
	})
}
