package journal

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/tokenview"
	"github.com/authmock/authmock/jwtutil"
)

// BenchmarkRecordTokenResponse measures what keeping the JWTs of a token
// response adds to recording it (an RS256 access token and ID token, as
// oidc issues them), and what decoding and verifying them costs when the
// entry is listed.
func BenchmarkRecordTokenResponse(b *testing.B) {
	k, err := jwtutil.GenerateKey(jwtutil.RS256)
	if err != nil {
		b.Fatal(err)
	}
	ks, err := jwtutil.NewKeySet(k)
	if err != nil {
		b.Fatal(err)
	}
	sign := func(sub string) string {
		tok, err := ks.Sign(jwt.MapClaims{"sub": sub, "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix()})
		if err != nil {
			b.Fatal(err)
		}
		return tok
	}
	body := map[string]any{"access_token": sign("a"), "id_token": sign("b"), "token_type": "Bearer", "expires_in": 3600}
	now := func() time.Time { return t0 }
	for _, tc := range []struct {
		name    string
		inspect Inspector
	}{
		{"no inspector", nil},
		{"inspector", func(_, tok string) (tokenview.View, error) { return tokenview.Inspect(tok, ks, now) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			j := New(100)
			j.SetInspector(tc.inspect)
			h := j.Middleware(now, classifyAll)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				httpx.WriteJSON(w, http.StatusOK, body)
			}))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/p/token", strings.NewReader("grant_type=client_credentials&client_id=x&client_secret=y"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
	b.Run("list one entry", func(b *testing.B) {
		j := New(1)
		j.SetInspector(func(_, tok string) (tokenview.View, error) { return tokenview.Inspect(tok, ks, now) })
		h := j.Middleware(now, classifyAll)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			httpx.WriteJSON(w, http.StatusOK, body)
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/p/token", nil))
		b.ReportAllocs()
		for b.Loop() {
			if es := j.List(Filter{}); len(es[0].Tokens) != 2 {
				b.Fatal("tokens not decoded")
			}
		}
	})
}
