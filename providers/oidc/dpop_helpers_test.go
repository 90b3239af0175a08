package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth/dpop"
)

// dpopKey is a client's DPoP key pair (ES256, what openid-client makes by
// default).
type dpopKey struct {
	priv *ecdsa.PrivateKey
	jwk  map[string]any
	jkt  string
}

func newDPoPKey(tb testing.TB) dpopKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	enc := base64.RawURLEncoding.EncodeToString
	x, y := enc(k.X.FillBytes(make([]byte, 32))), enc(k.Y.FillBytes(make([]byte, 32)))
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return dpopKey{priv: k, jwk: map[string]any{"kty": "EC", "crv": "P-256", "x": x, "y": y}, jkt: enc(sum[:])}
}

// proof signs a proof for method and url at the server's clock; claims
// override the defaults (a nil value deletes), accessToken adds ath.
func (k dpopKey) proof(tb testing.TB, ts *testServer, method, u, accessToken string, claims map[string]any) string {
	tb.Helper()
	c := jwt.MapClaims{"jti": rand.Text(), "htm": method, "htu": u, "iat": ts.clk.Now().Unix()}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		c["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	for n, v := range claims {
		if v == nil {
			delete(c, n)
		} else {
			c[n] = v
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = k.jwk
	s, err := tok.SignedString(k.priv)
	require.NoError(tb, err)
	return s
}

// tokenProof is a fresh proof for a token request.
func (k dpopKey) tokenProof(tb testing.TB, ts *testServer) string {
	return k.proof(tb, ts, http.MethodPost, ts.url(PathToken), "", nil)
}

// postToken posts a token request with the given DPoP header values and
// Basic client authentication when id is not empty.
func (ts *testServer) postToken(form url.Values, id, secret string, proofs ...string) response {
	ts.tb.Helper()
	return ts.postWithProofs(PathToken, form, id, secret, proofs...)
}

// postWithProofs is postToken for any endpoint (/par).
func (ts *testServer) postWithProofs(path string, form url.Values, id, secret string, proofs ...string) response {
	ts.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url(path), strings.NewReader(form.Encode()))
	require.NoError(ts.tb, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.Header.Set("Authorization", basicAuth(id, secret))
	}
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	return ts.do(req)
}

// dpopUserinfo calls userinfo with the given scheme and DPoP header values.
func (ts *testServer) dpopUserinfo(scheme, token string, proofs ...string) response {
	ts.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.url(PathUserinfo), nil)
	require.NoError(ts.tb, err)
	req.Header.Set("Authorization", scheme+" "+token)
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	return ts.do(req)
}

var serviceForm = url.Values{"grant_type": {"client_credentials"}, "scope": {"api:read"}}

func passwordForm(scope string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "scope": {scope}}
}

const dpopAlgs = `algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA"`

// dpopReq is the userinfo request a proof was made for, to check it
// directly against the instance's verifier.
func dpopReq(ts *testServer, proof, token, jkt string) dpop.Request {
	return dpop.Request{Proofs: []string{proof}, Method: http.MethodGet, URLs: []string{ts.url(PathUserinfo)}, AccessToken: token, JKT: jkt}
}
