package dotypos

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

// The benchmarks serve requests in process, through the mounted router, so
// they measure the dialect rather than the network.

func benchServe(b *testing.B, ip *inProcess, want int, newReq func() *http.Request) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ip.router.ServeHTTP(rec, newReq())
		if rec.Code != want {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkSignin is the hot path: a refresh token exchanged for a cloud's
// access token.
func BenchmarkSignin(b *testing.B) {
	for _, alg := range []struct{ name, key string }{{"RS256", "demo-rs256"}, {"ES256", "demo-es256"}, {"HS256", "demo-hs256"}} {
		b.Run(alg.name, func(b *testing.B) {
			ip := newInProcess(b, func(c *Config) { c.Keys = []fixtures.KeySpec{{Builtin: alg.key}} })
			res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: posID})
			if err != nil {
				b.Fatal(err)
			}
			auth := "User " + res.RefreshToken
			benchServe(b, ip, http.StatusCreated, func() *http.Request {
				req := httptest.NewRequest(http.MethodPost, pathPrefix+PathSignin, strings.NewReader(`{"_cloudId":123456789}`))
				req.Header.Set("Authorization", auth)
				req.Header.Set("Content-Type", "application/json; charset=UTF-8")
				return req
			})
		})
	}
}

func BenchmarkCloudList(b *testing.B) {
	ip := newInProcess(b, nil)
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: posID})
	if err != nil {
		b.Fatal(err)
	}
	bearer := "Bearer " + res.AccessToken
	benchServe(b, ip, http.StatusOK, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, pathPrefix+PathClouds, nil)
		req.Header.Set("Authorization", bearer)
		return req
	})
}

// BenchmarkCloudListFiltered is the list with a sort and a three-condition
// filter, over all three of alice's clouds: the cost of the query parser
// and matching on top of BenchmarkCloudList.
func BenchmarkCloudListFiltered(b *testing.B) {
	ip := newInProcess(b, func(c *Config) { c.GrantClouds = GrantAll })
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: posID})
	if err != nil {
		b.Fatal(err)
	}
	bearer := "Bearer " + res.AccessToken
	target := pathPrefix + PathClouds + "?sort=-name,id&filter=deleted|eq|false;name|like|a;id|notin|1,2,3"
	benchServe(b, ip, http.StatusOK, func() *http.Request {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", bearer)
		return req
	})
}

// BenchmarkRevokeUser is an admin revoke of one user's tokens among
// others': one cut-off, whatever the number of tokens.
func BenchmarkRevokeUser(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(strconv.Itoa(n)+" tokens", func(b *testing.B) {
			ip := newInProcess(b, nil)
			for i := range n {
				user := "bob"
				if i%10 == 0 {
					user = "alice"
				}
				if _, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: posID, Username: user}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ip.p.life.Revoke(b.Context(), provider.TokenSelector{Username: "alice"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefreshID is the hash that names a refresh token in the store.
func BenchmarkRefreshID(b *testing.B) {
	ip := newInProcess(b, nil)
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: posID, Username: "alice"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = refreshID(res.RefreshToken)
	}
}
