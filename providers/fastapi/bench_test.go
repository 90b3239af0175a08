package fastapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authmock/authmock/internal/provider"
)

// BenchmarkLogin measures the login form through the router: parse,
// password check, two HS256 signatures, two store writes.
func BenchmarkLogin(b *testing.B) {
	ts := newTestServerWithLogger(b, nil, slog.New(slog.DiscardHandler))
	body := "grant_type=password&username=alice%40example.com&password=alice-password-Qw1"
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1024 == 0 {
			ts.clk.Advance(time.Second) // distinct access tokens, as with a running clock
		}
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathLogin, strings.NewReader(body))
		req.Header.Set("Content-Type", formType)
		rec := httptest.NewRecorder()
		ts.router.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkRefresh measures the hot path of a long-lived client: rotating
// its refresh token through /auth/jwt/refresh.
func BenchmarkRefresh(b *testing.B) {
	ts := newTestServerWithLogger(b, nil, slog.New(slog.DiscardHandler))
	refresh := ts.login(aliceEmail, alicePassword).RefreshToken
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1024 == 0 {
			ts.clk.Advance(time.Second)
		}
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathRefresh, nil)
		req.Header.Set("Refresh-Token", refresh)
		rec := httptest.NewRecorder()
		ts.router.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		refresh = tokenFrom(b, rec.Body.String())
	}
}

func tokenFrom(b *testing.B, body string) string {
	const key = `"refresh_token":"`
	i := strings.Index(body, key)
	if i < 0 {
		b.Fatalf("no refresh token in %s", body)
	}
	rest := body[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

// BenchmarkMe measures an authenticated call: JWT verification plus the
// session and user-state reads.
func BenchmarkMe(b *testing.B) {
	ts := newTestServerWithLogger(b, nil, slog.New(slog.DiscardHandler))
	access := ts.login(aliceEmail, alicePassword).AccessToken
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, pathPrefix+PathMe, nil)
		req.Header.Set("Authorization", "Bearer "+access)
		rec := httptest.NewRecorder()
		ts.router.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkRevokeUser measures an admin revoke of a user's tokens among
// 1000 other logins: one cut-off, whatever the number of tokens.
func BenchmarkRevokeUser(b *testing.B) {
	ts := newTestServerWithLogger(b, nil, slog.New(slog.DiscardHandler))
	for i := range 1000 {
		if _, err := ts.p.Mint(b.Context(), provider.MintRequest{Username: bobEmail, TTLSeconds: int64(3600 + i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		n, err := ts.p.life.Revoke(b.Context(), provider.TokenSelector{Username: aliceEmail})
		if err != nil || n != (provider.Selected{}) {
			b.Fatal(n, err)
		}
	}
}
