package oidc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// hs256 signs with HMAC, whose cost is small enough for the bookkeeping
// around issuance and verification to show.
func hs256(c *Config) { c.Keys = []fixtures.KeySpec{{Builtin: "demo-hs256"}} }

// BenchmarkTokenPassword issues an access, ID and refresh token per call:
// the issuance path with the most to record.
func BenchmarkTokenPassword(b *testing.B) {
	ip := newInProcess(b, hs256)
	auth := basicAuth(webID, webSecret)
	body := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "scope": {"openid profile"}}.Encode()
	benchServe(b, ip, func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		return req
	})
}

// BenchmarkTokenRefresh rotates one grant's refresh token on every call.
func BenchmarkTokenRefresh(b *testing.B) {
	ip := newInProcess(b, hs256)
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}})
	if err != nil {
		b.Fatal(err)
	}
	rt := res.RefreshToken
	auth := basicAuth(webID, webSecret)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathToken, strings.NewReader("grant_type=refresh_token&refresh_token="+rt))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		ip.router.ServeHTTP(rec, req)
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		rt = out.RefreshToken
	}
}

// BenchmarkIntrospect verifies an access token at the introspection
// endpoint.
func BenchmarkIntrospect(b *testing.B) {
	ip := newInProcess(b, hs256)
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}})
	if err != nil {
		b.Fatal(err)
	}
	auth := basicAuth(webID, webSecret)
	body := "token=" + res.AccessToken
	benchServe(b, ip, func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathIntrospect, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		return req
	})
}
