package trackmania

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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

func tokenRequest(body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, pathPrefix+PathToken, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// BenchmarkTokenClientCredentials is the token exchange's hot path.
func BenchmarkTokenClientCredentials(b *testing.B) {
	for _, format := range []string{FormatOpaque, FormatJWT} {
		b.Run(format, func(b *testing.B) {
			ip := newInProcess(b, func(c *Config) { c.AccessTokenFormat = format })
			body := "grant_type=client_credentials&client_id=svc&client_secret=" + svcSecret
			benchServe(b, ip, func() *http.Request { return tokenRequest(body) })
		})
	}
}

// BenchmarkTokenAuthorizationCode is authorize → code exchange, the whole
// user login minus the browser.
func BenchmarkTokenAuthorizationCode(b *testing.B) {
	ip := newInProcess(b, nil)
	authorize := pathPrefix + PathAuthorize + "?" + webAuthParams().Encode()
	prefix := "grant_type=authorization_code&client_id=web&client_secret=" + webSecret + "&redirect_uri=" + url.QueryEscape(webRedirect) + "&code="
	benchServe(b, ip, func() *http.Request {
		rec := httptest.NewRecorder()
		ip.router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, authorize, nil))
		loc, _ := url.Parse(rec.Header().Get("Location"))
		return tokenRequest(prefix + loc.Query().Get("code"))
	})
}

// BenchmarkUser is the verification hot path: one resource call with a
// valid token.
func BenchmarkUser(b *testing.B) {
	for _, format := range []string{FormatOpaque, FormatJWT} {
		b.Run(format, func(b *testing.B) {
			ip := newInProcess(b, func(c *Config) { c.AccessTokenFormat = format })
			res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
			if err != nil {
				b.Fatal(err)
			}
			bearer := "Bearer " + res.AccessToken
			benchServe(b, ip, func() *http.Request {
				req := httptest.NewRequest(http.MethodGet, pathPrefix+PathUser, nil)
				req.Header.Set("Authorization", bearer)
				return req
			})
		})
	}
}

// BenchmarkTokenRefresh rotates one login's refresh token over and over:
// the refresh path's lookup, rotation and issuance.
func BenchmarkTokenRefresh(b *testing.B) {
	ip := newInProcess(b, nil)
	res, err := ip.p.Mint(b.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
	if err != nil {
		b.Fatal(err)
	}
	rt := res.RefreshToken
	prefix := "grant_type=refresh_token&client_id=web&client_secret=" + webSecret + "&refresh_token="
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ip.router.ServeHTTP(rec, tokenRequest(prefix+rt))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		rt = out.RefreshToken
	}
}
