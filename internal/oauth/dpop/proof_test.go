package dpop

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

func TestParseAcceptsEveryAlgorithm(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			p, err := Parse(k.proof(t, map[string]any{"jti": "j1", "ath": "a", "nonce": "n"}, nil), Algorithms)
			require.NoError(t, err)
			assert.Equal(t, alg, p.Alg)
			assert.Equal(t, "j1", p.JTI)
			assert.Equal(t, "POST", p.HTM)
			assert.Equal(t, "https://as.example/token", p.HTU)
			assert.Equal(t, testNow.Unix(), p.IAT.Unix())
			assert.Equal(t, "a", p.ATH)
			assert.Equal(t, "n", p.Nonce)
			assert.Len(t, p.JKT, 43)
		})
	}
}

// TestThumbprintRFC7638 checks the thumbprint against the example of RFC
// 7638 §3.1, and an EC key against a known value (RFC 9449 §6.1's key).
func TestThumbprintRFC7638(t *testing.T) {
	n := "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	key, jkt, err := publicKey([]byte(`{"kty":"RSA","n":"`+n+`","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`), "RS256")
	require.NoError(t, err)
	require.NotNil(t, key)
	assert.Equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", jkt)

	_, jkt, err = publicKey([]byte(`{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}`), "ES256")
	require.NoError(t, err)
	assert.Equal(t, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", jkt)
}

// TestParseRefuses is every check of RFC 9449 §4.3 that a proof fails on
// its own, with the exact description a client sees.
func TestParseRefuses(t *testing.T) {
	es := newKey(t, "ES256")
	rs := newKey(t, "RS256")
	other := newKey(t, "ES256")
	valid := es.proof(t, nil, nil)
	enc := base64.RawURLEncoding.EncodeToString
	baseClaims := map[string]any{"jti": "j", "htm": "POST", "htu": "https://as.example/token", "iat": testNow.Unix()}
	withJWK := func(k testKey, extra map[string]any) map[string]any {
		j := maps.Clone(k.jwk)
		maps.Copy(j, extra)
		return j
	}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(baseClaims))
	hs.Header["typ"] = Type
	hs.Header["jwk"] = map[string]any{"kty": "oct", "k": enc([]byte("0123456789abcdef0123456789abcdef"))}
	hsProof, err := hs.SignedString([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(baseClaims))
	none.Header["typ"] = Type
	none.Header["jwk"] = es.jwk
	noneProof, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	swapped := split(es.proof(t, map[string]any{"jti": "other"}, nil))

	cases := []struct {
		name, proof, want string
	}{
		{"not a JWT", "abc", "the DPoP proof is not a signed JWT"},
		{"unsigned", split(valid)[0] + "." + split(valid)[1] + ".", "the DPoP proof is not a signed JWT"},
		{"header not base64url", "!!." + split(valid)[1] + "." + split(valid)[2], "the DPoP proof's header is not base64url"},
		{"header not JSON", enc([]byte("[1]")) + "." + split(valid)[1] + "." + split(valid)[2], "the DPoP proof's header is not a JSON object"},
		{"typ missing", es.proof(t, nil, map[string]any{"typ": nil}), `the DPoP proof's typ must be "dpop+jwt"`},
		{"typ JWT", es.proof(t, nil, map[string]any{"typ": "JWT"}), `the DPoP proof's typ must be "dpop+jwt"`},
		{"alg none", noneProof + "AAAA", `the DPoP proof's alg "none" is not accepted (accepted: ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA)`},
		{"alg HS256", hsProof, `the DPoP proof's alg "HS256" is not accepted (accepted: ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA)`},
		{"alg missing", resign(t, es, "ES256", map[string]any{"typ": Type, "jwk": es.jwk}, baseClaims), "the DPoP proof has no alg"},
		{"crit", es.proof(t, nil, map[string]any{"crit": []string{"exp"}}), "the DPoP proof's header has crit, which no extension here understands"},
		{"jwk missing", es.proof(t, nil, map[string]any{"jwk": nil}), "the DPoP proof's header has no jwk"},
		{"jwk private", es.proof(t, nil, map[string]any{"jwk": withJWK(es, map[string]any{"d": "AAAA"})}), `the DPoP proof's jwk: it holds the private member "d"; a proof carries the public key only`},
		{"jwk RSA private", rs.proof(t, nil, map[string]any{"jwk": withJWK(rs, map[string]any{"p": "AAAA"})}), `the DPoP proof's jwk: it holds the private member "p"; a proof carries the public key only`},
		{"jwk kty mismatch", es.proof(t, nil, map[string]any{"jwk": rs.jwk}), `the DPoP proof's jwk: kty "RSA" does not fit alg ES256`},
		{"jwk curve mismatch", es.proof(t, nil, map[string]any{"jwk": withJWK(es, map[string]any{"crv": "P-384"})}), `the DPoP proof's jwk: crv "P-384" does not fit alg ES256 (want P-256)`},
		{"jwk point off curve", es.proof(t, nil, map[string]any{"jwk": withJWK(es, map[string]any{"y": es.jwk["x"]})}), "the DPoP proof's jwk: the point is not on P-256"},
		{"jwk no kty", es.proof(t, nil, map[string]any{"jwk": map[string]any{"crv": "P-256"}}), `the DPoP proof's jwk: member "kty" is missing`},
		{"jwk not object", es.proof(t, nil, map[string]any{"jwk": "key"}), "the DPoP proof's jwk: not a JSON object"},
		{"signature by another key", es.proof(t, nil, map[string]any{"jwk": other.jwk}), "the DPoP proof's signature does not verify with its jwk"},
		{"payload swapped", split(valid)[0] + "." + swapped[1] + "." + split(valid)[2], "the DPoP proof's signature does not verify with its jwk"},
		{"jti missing", es.proof(t, map[string]any{"jti": nil}, nil), "the DPoP proof has no jti"},
		{"jti empty", es.proof(t, map[string]any{"jti": ""}, nil), "the DPoP proof has no jti"},
		{"htm missing", es.proof(t, map[string]any{"htm": nil}, nil), "the DPoP proof has no htm"},
		{"htu missing", es.proof(t, map[string]any{"htu": nil}, nil), "the DPoP proof has no htu"},
		{"iat missing", es.proof(t, map[string]any{"iat": nil}, nil), "the DPoP proof has no iat"},
		{"iat string", es.proof(t, map[string]any{"iat": "now"}, nil), "the DPoP proof is malformed"},
		{"iat negative", es.proof(t, map[string]any{"iat": -5}, nil), "the DPoP proof's iat is not a NumericDate"},
		{"jti not string", es.proof(t, map[string]any{"jti": 7}, nil), "the DPoP proof is malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.proof, Algorithms)
			require.Error(t, err)
			var e *oauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, CodeInvalidProof, e.Code)
			assert.Equal(t, tc.want, e.Description)
		})
	}
}

func TestParseRespectsTheConfiguredAlgorithms(t *testing.T) {
	k := newKey(t, "EdDSA")
	_, err := Parse(k.proof(t, nil, nil), []string{"ES256"})
	require.Error(t, err)
	assert.Equal(t, `invalid_dpop_proof: the DPoP proof's alg "EdDSA" is not accepted (accepted: ES256)`, err.Error())
}

func TestNormalizeHTU(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://AS.Example/token", "https://as.example/token"},
		{"HTTPS://as.example:443/token?x=1#f", "https://as.example/token"},
		{"http://as.example:80", "http://as.example/"},
		{"http://127.0.0.1:8080/oidc/./token", "http://127.0.0.1:8080/oidc/token"},
		{"http://h/a/b/../token", "http://h/a/token"},
		{"http://h/%7Euser/t%6Fken", "http://h/~user/token"},
		{"http://[::1]:9000/x", "http://[::1]:9000/x"},
	} {
		got, ok := NormalizeHTU(tc.in)
		assert.True(t, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "/token", "ftp://h/x", "mailto:a@b", "http:///x", "%zz"} {
		_, ok := NormalizeHTU(bad)
		assert.False(t, ok, bad)
	}
}

// Proofs finds the header however the client spelled its name.
func TestProofsReadsTheCanonicalHeader(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/token", nil)
	r.Header.Add("DPoP", "a")
	r.Header.Add("dpop", "b")
	assert.Equal(t, []string{"a", "b"}, Proofs(r.Header))
	assert.Empty(t, Proofs(http.Header{}))
}
