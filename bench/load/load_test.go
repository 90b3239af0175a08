package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/jwtutil"
)

// TestBareHandler checks that the baseline does the work it stands in for:
// it refuses wrong credentials and signs, with each demo key, an access
// token of the same shape as authmock's client_credentials token.
func TestBareHandler(t *testing.T) {
	for alg := range demoKeys {
		t.Run(alg, func(t *testing.T) {
			keys, err := loadDemoKey(alg)
			require.NoError(t, err)
			h := &bareHandler{keys: keys, issuer: "http://127.0.0.1:1/oidc"}

			req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(tokenRequestBody))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", basicAuth)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))

			var resp map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
			assert.Equal(t, []string{"access_token", "expires_in", "scope", "token_type"}, slices.Sorted(maps.Keys(resp)))
			assert.Equal(t, "Bearer", resp["token_type"])
			assert.EqualValues(t, 3600, resp["expires_in"])
			assert.Equal(t, "api:read", resp["scope"])

			claims := jwt.MapClaims{}
			tok, err := keys.Verify(resp["access_token"].(string), claims, jwtutil.VerifyOptions{
				Issuer: h.issuer, Audience: []string{bareClientID}, Type: "at+jwt", Leeway: time.Minute,
			})
			require.NoError(t, err)
			assert.Equal(t, alg, tok.Method.Alg())
			assert.Equal(t, []string{"aud", "client_id", "exp", "iat", "iss", "jti", "nbf", "scope", "sub"}, slices.Sorted(maps.Keys(claims)))
			assert.Equal(t, bareClientID, claims["sub"])
		})
	}

	keys, err := loadDemoKey("ES256")
	require.NoError(t, err)
	h := &bareHandler{keys: keys, issuer: "http://127.0.0.1:1/oidc"}
	req := httptest.NewRequest(http.MethodPost, "/oidc/token", strings.NewReader(tokenRequestBody))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(bareClientID, "wrong")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.JSONEq(t, `{"error":"invalid_client"}`, rec.Body.String())
}

func TestPercentile(t *testing.T) {
	var s stats
	for i := 1; i <= 100; i++ {
		s.latencies = append(s.latencies, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, s.p(50))
	assert.Equal(t, 99*time.Millisecond, s.p(99))
	assert.Equal(t, 100*time.Millisecond, s.max())
	assert.Equal(t, time.Duration(0), stats{}.p(99))
}

func TestParseFlags(t *testing.T) {
	var sink strings.Builder
	o, err := parseFlags([]string{"-algs", "HS256, EdDSA", "-duration", "2s"}, &sink)
	require.NoError(t, err)
	assert.Equal(t, []string{"HS256", "EdDSA"}, o.algs)
	assert.Equal(t, 2*time.Second, o.duration)

	_, err = parseFlags([]string{"-algs", "PS256"}, &sink)
	require.Error(t, err)
	_, err = parseFlags([]string{"-concurrency", "0"}, &sink)
	require.Error(t, err)
}

// wrkReport is wrk 4.1's report with --latency, as parseWrk reads it.
const wrkReport = `Running 10s test @ http://127.0.0.1:40000/oidc/token
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.53ms    3.92ms  36.97ms   75.76%
    Req/Sec     2.01k   215.43     2.52k    71.00%
  Latency Distribution
     50%    3.50ms
     75%    5.91ms
     90%    9.27ms
     99%   19.02ms
  39950 requests in 10.00s, 30.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   3994.70
Transfer/sec:      3.01MB
`

func TestParseWrk(t *testing.T) {
	s, err := parseWrk(wrkReport)
	require.NoError(t, err)
	assert.Equal(t, 39950, s.requests)
	assert.Equal(t, 10*time.Second, s.elapsed)
	assert.InDelta(t, 3995.0, s.rps(), 0.01)
	assert.Equal(t, 7, s.errors, "non-2xx plus socket errors")
	assert.Equal(t, "Non-2xx or 3xx responses: 4", s.firstError)
	assert.Equal(t, 3500*time.Microsecond, s.p(50))
	assert.Equal(t, 9270*time.Microsecond, s.p(90))
	assert.Equal(t, 19020*time.Microsecond, s.p(99))
	assert.Equal(t, 36970*time.Microsecond, s.max())

	_, err = parseWrk("unable to connect to 127.0.0.1:1 Connection refused\n")
	require.ErrorContains(t, err, "no request count")
	_, err = parseWrk("  10 requests in 1.00s, 1MB read\n")
	require.ErrorContains(t, err, "no latency distribution")
}

func TestParseFlagsSigners(t *testing.T) {
	var sink strings.Builder
	o, err := parseFlags([]string{"-signers", "openssl, go", "-loader", "wrk"}, &sink)
	require.NoError(t, err)
	assert.Equal(t, []string{"openssl", "go"}, o.signers)
	assert.Equal(t, []string{"openssl", "go"}, o.signersFor("RS256"))
	assert.Equal(t, []string{""}, o.signersFor("ES256"), "the signer only matters for RS256")
	assert.Equal(t, "wrk", o.loader)

	_, err = parseFlags([]string{"-signers", "boring"}, &sink)
	require.Error(t, err)
	_, err = parseFlags([]string{"-loader", "ab"}, &sink)
	require.Error(t, err)
}

func TestMedianRatios(t *testing.T) {
	rps := func(alg, server string, n int) result {
		return result{alg: alg, server: server, stats: stats{requests: n, elapsed: time.Second}}
	}
	got := medianRatios([]result{
		rps("HS256 #1", "authmock", 90), rps("HS256 #1", "bare", 100),
		rps("HS256 #2", "authmock", 80), rps("HS256 #2", "bare", 100),
		rps("HS256 #3", "authmock", 95), rps("HS256 #3", "bare", 100),
		rps("ES256 #1", "authmock", 50), rps("ES256 #1", "bare", 50),
	})
	require.Len(t, got, 2)
	assert.Equal(t, "HS256", got[0].alg)
	assert.InDelta(t, 0.90, got[0].medianRatio, 1e-9)
	assert.Equal(t, 3, got[0].runs)
	assert.Equal(t, 2, got[0].atBar)
	assert.InDelta(t, 0.80, got[0].lowest, 1e-9)
	assert.Equal(t, "ES256", got[1].alg)
	assert.InDelta(t, 1.0, got[1].medianRatio, 1e-9)
}
