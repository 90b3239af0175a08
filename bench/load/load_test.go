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
