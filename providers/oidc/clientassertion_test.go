package oidc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

const (
	pkjID     = "pkj" // private_key_jwt, pinned, no secret
	hsjID     = "hsj" // client_secret_jwt, pinned
	hsjSecret = "hsj-secret-Zx81"
)

// clientKey is a client's ES256 key pair: the private half signs
// assertions, the public half is registered as its JWKS.
type clientKey struct {
	priv *ecdsa.PrivateKey
	kid  string
	jwks json.RawMessage
}

func newClientKey(tb testing.TB) clientKey {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(tb, err)
	pub, err := jwtutil.ParsePEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jwtutil.ES256)
	require.NoError(tb, err)
	jwks, err := json.Marshal(map[string]any{"keys": []any{pub.PublicJWK()}})
	require.NoError(tb, err)
	return clientKey{priv: priv, kid: pub.KID(), jwks: jwks}
}

// withAssertionClients adds a pinned private_key_jwt client (key's public
// half inline) and a pinned client_secret_jwt client.
func withAssertionClients(key clientKey) func(*Config) {
	return func(c *Config) {
		c.Clients = append(c.Clients,
			fixtures.Client{ID: pkjID, TokenEndpointAuthMethod: "private_key_jwt", JWKS: key.jwks,
				GrantTypes: []string{"client_credentials"}, Scopes: []string{"api:read"}},
			fixtures.Client{ID: hsjID, Secret: hsjSecret, TokenEndpointAuthMethod: "client_secret_jwt",
				GrantTypes: []string{"client_credentials"}, Scopes: []string{"api:read"}})
	}
}

// assertionClaims are valid claims for client id at ts.
func (ts *testServer) assertionClaims(id string) jwt.MapClaims {
	now := ts.clk.Now()
	return jwt.MapClaims{
		"iss": id, "sub": id, "aud": ts.url(PathToken), "jti": "jti-" + randHex(ts.tb),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}
}

func randHex(tb testing.TB) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(tb, err)
	return hex.EncodeToString(b)
}

func signES(tb testing.TB, key clientKey, claims jwt.MapClaims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = key.kid
	s, err := tok.SignedString(key.priv)
	require.NoError(tb, err)
	return s
}

func signHS(tb testing.TB, m jwt.SigningMethod, secret string, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString([]byte(secret))
	require.NoError(tb, err)
	return s
}

// withAlg replaces a signed token's header with {"alg": alg}.
func withAlg(tb testing.TB, token, alg string) string {
	tb.Helper()
	hdr, err := json.Marshal(map[string]string{"alg": alg})
	require.NoError(tb, err)
	_, rest, _ := strings.Cut(token, ".")
	return base64.RawURLEncoding.EncodeToString(hdr) + "." + rest
}

// assertionForm is a client_credentials request authenticated by assertion.
func assertionForm(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {oauth.ClientAssertionTypeJWT},
		"client_assertion":      {assertion},
	}
}

func TestClientAssertionSuccess(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := newTestServer(t, withAssertionClients(key))

	t.Run("private_key_jwt at token, introspection and revocation", func(t *testing.T) {
		tok := ts.tokens(ts.postForm(PathToken, assertionForm(signES(t, key, ts.assertionClaims(pkjID))), "", ""))
		assert.Equal(t, "api:read", tok.Scope)
		assert.Equal(t, pkjID, ts.verifyJWT(tok.AccessToken)["client_id"])

		resp := ts.postForm(PathIntrospect, url.Values{
			"token": {tok.AccessToken}, "client_assertion_type": {oauth.ClientAssertionTypeJWT},
			"client_assertion": {signES(t, key, ts.assertionClaims(pkjID))},
		}, "", "")
		require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
		assert.Equal(t, true, resp.json(t)["active"])

		resp = ts.postForm(PathRevoke, url.Values{
			"token": {tok.AccessToken}, "client_assertion_type": {oauth.ClientAssertionTypeJWT},
			"client_assertion": {signES(t, key, ts.assertionClaims(pkjID))}, "client_id": {pkjID},
		}, "", "")
		require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
		ts.assertActive(tok.AccessToken, false)
	})
	t.Run("client_secret_jwt with each HMAC size, aud the issuer", func(t *testing.T) {
		for _, m := range []jwt.SigningMethod{jwt.SigningMethodHS256, jwt.SigningMethodHS384, jwt.SigningMethodHS512} {
			claims := ts.assertionClaims(hsjID)
			claims["aud"] = []string{"https://elsewhere.example", ts.issuer}
			ts.tokens(ts.postForm(PathToken, assertionForm(signHS(t, m, hsjSecret, claims)), "", ""))
		}
	})
	t.Run("an unpinned client may use client_secret_jwt", func(t *testing.T) {
		ts.tokens(ts.postForm(PathToken, assertionForm(signHS(t, jwt.SigningMethodHS256, serviceSecret, ts.assertionClaims(serviceID))), "", ""))
	})
	t.Run("jwks_file relative to the configuration", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "keys.json"), key.jwks, 0o600))
		cfg := testConfig(t, func(c *Config) {
			c.Clients = append(c.Clients, fixtures.Client{ID: pkjID, TokenEndpointAuthMethod: "private_key_jwt", JWKSFile: "keys.json"})
		})
		ks, err := clientKeys(cfg.Clients[len(cfg.Clients)-1], dir)
		require.NoError(t, err)
		require.Len(t, ks, 1)
		assert.Equal(t, key.kid, ks[0].KID())
		assert.Error(t, checkClientKeyFiles(cfg.Clients, t.TempDir()), "a missing file is a start-up error")
	})
}

func TestClientAssertionErrors(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	other := newClientKey(t)
	ts := newTestServer(t, withAssertionClients(key))
	now := ts.clk.Now()

	with := func(id string, edit func(jwt.MapClaims)) jwt.MapClaims {
		c := ts.assertionClaims(id)
		edit(c)
		return c
	}
	unsigned := func(claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		require.NoError(t, err)
		return s
	}
	// The HS256 "signature" keyed with the registered public key: the
	// algorithm confusion attack.
	pubDER, err := x509.MarshalPKIXPublicKey(&key.priv.PublicKey)
	require.NoError(t, err)
	confused := signHS(t, jwt.SigningMethodHS256, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), ts.assertionClaims(pkjID))

	aud := ts.url(PathToken) + ", " + ts.issuer
	tests := []struct {
		name   string
		form   url.Values
		basic  [2]string
		status int
		body   string
	}{
		{"type without assertion", url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {oauth.ClientAssertionTypeJWT}},
			[2]string{}, 400, `{"error":"invalid_request","error_description":"client_assertion is required with client_assertion_type"}`},
		{"assertion without type", url.Values{"grant_type": {"client_credentials"}, "client_assertion": {signES(t, key, ts.assertionClaims(pkjID))}},
			[2]string{}, 400, `{"error":"invalid_request","error_description":"client_assertion_type is required with client_assertion"}`},
		{"unknown assertion type", merge(assertionForm(signES(t, key, ts.assertionClaims(pkjID))), url.Values{"client_assertion_type": {"urn:example:saml"}}),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"client_assertion_type \"urn:example:saml\" is not supported (want urn:ietf:params:oauth:client-assertion-type:jwt-bearer)"}`},
		{"assertion and client_secret", merge(assertionForm(signES(t, key, ts.assertionClaims(pkjID))), url.Values{"client_secret": {"x"}}),
			[2]string{}, 400, `{"error":"invalid_request","error_description":"the client authenticated with more than one method (a client assertion and a secret)"}`},
		{"assertion and Basic", assertionForm(signHS(t, jwt.SigningMethodHS256, hsjSecret, ts.assertionClaims(hsjID))),
			[2]string{hsjID, hsjSecret}, 400, `{"error":"invalid_request","error_description":"the client authenticated with more than one method (a client assertion and a secret)"}`},
		{"not a JWT", assertionForm("abc"),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion is not a signed JWT (compact JWS, three segments)"}`},
		{"alg none", assertionForm(unsigned(ts.assertionClaims(pkjID))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion must be signed (alg none is refused)"}`},
		{"no sub", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { delete(c, "sub") }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion has no sub (it must be the client_id)"}`},
		{"client_id differs from sub", merge(assertionForm(signES(t, key, ts.assertionClaims(pkjID))), url.Values{"client_id": {hsjID}}),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"client_id does not match the client assertion's sub"}`},
		{"unknown client", assertionForm(signES(t, key, ts.assertionClaims("nobody"))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"client authentication failed"}`},
		{"HS256 keyed with the public key", assertionForm(confused),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client may not authenticate with client_secret_jwt"}`},
		{"private_key_jwt for a client_secret_jwt client", assertionForm(signES(t, key, ts.assertionClaims(hsjID))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client may not authenticate with private_key_jwt"}`},
		{"Basic for a pinned client", url.Values{"grant_type": {"client_credentials"}},
			[2]string{hsjID, hsjSecret}, 401, `{"error":"invalid_client","error_description":"the client must authenticate with client_secret_jwt"}`},
		{"signed by another key", assertionForm(signES(t, other, ts.assertionClaims(pkjID))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"no registered key of the client has kid \"` + other.kid + `\" and alg \"ES256\""}`},
		{"wrong signature under the right kid", assertionForm(signES(t, clientKey{priv: other.priv, kid: key.kid}, ts.assertionClaims(pkjID))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion's signature does not verify with the client's keys"}`},
		{"wrong secret", assertionForm(signHS(t, jwt.SigningMethodHS256, "not-the-secret", ts.assertionClaims(hsjID))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion's signature does not verify with the client's secret"}`},
		{"unsupported HMAC", assertionForm(withAlg(t, signHS(t, jwt.SigningMethodHS256, hsjSecret, ts.assertionClaims(hsjID)), "HS1024")),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion's alg \"HS1024\" is not supported (HS256, HS384, HS512)"}`},
		{"iss is not the client", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { c["iss"] = "someone" }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion's iss must be the client_id"}`},
		{"aud is another server", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { c["aud"] = "https://other.example/token" }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion's aud must contain one of ` + aud + `"}`},
		{"no exp", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { delete(c, "exp") }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion has no exp"}`},
		{"expired beyond the leeway", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { c["exp"] = now.Add(-31 * time.Second).Unix() }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion has expired"}`},
		{"exp too far away", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { c["exp"] = now.Add(2 * time.Hour).Unix() }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion's exp is more than 1h0m0s away"}`},
		{"nbf in the future", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion is not valid yet (nbf)"}`},
		{"iat in the future", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion was issued in the future (iat)"}`},
		{"no jti", assertionForm(signES(t, key, with(pkjID, func(c jwt.MapClaims) { delete(c, "jti") }))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client assertion has no jti"}`},
		{"client without keys", assertionForm(signES(t, key, ts.assertionClaims(webID))),
			[2]string{}, 401, `{"error":"invalid_client","error_description":"the client may not authenticate with private_key_jwt"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.postForm(PathToken, tc.form, tc.basic[0], tc.basic[1])
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
			assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
		})
	}
	// None of the refused assertions recorded anything.
	recs, err := ts.p.deps.Store.ListRecords(t.Context(), "client_assertion_jti/")
	require.NoError(t, err)
	assert.Empty(t, recs, "a refused assertion must not burn its jti")
}

func TestClientAssertionReplay(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := newTestServer(t, withAssertionClients(key))
	replayed := `{"error":"invalid_client","error_description":"the client assertion's jti has already been used"}`

	claims := ts.assertionClaims(pkjID)
	// A refused use (the client asks for a scope it may not have) after a
	// successful authentication still used the jti: authentication is
	// what consumes it.
	assertion := signES(t, key, claims)
	ts.tokens(ts.postForm(PathToken, assertionForm(assertion), "", ""))
	resp := ts.postForm(PathToken, assertionForm(assertion), "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, replayed, resp.String())

	// The same jti in a fresh assertion is refused too, at any endpoint.
	claims["iat"] = ts.clk.Now().Add(time.Second).Unix()
	resp = ts.postForm(PathIntrospect, url.Values{"token": {"x"}, "client_assertion_type": {oauth.ClientAssertionTypeJWT},
		"client_assertion": {signES(t, key, claims)}}, "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, replayed, resp.String())

	// Another client may use the same jti value.
	hs := ts.assertionClaims(hsjID)
	hs["jti"] = claims["jti"]
	ts.tokens(ts.postForm(PathToken, assertionForm(signHS(t, jwt.SigningMethodHS256, hsjSecret, hs)), "", ""))

	// A refused assertion (expired) does not burn its jti: the same jti
	// in a valid assertion then works.
	fresh := ts.assertionClaims(pkjID)
	fresh["exp"] = ts.clk.Now().Add(-time.Hour).Unix()
	resp = ts.postForm(PathToken, assertionForm(signES(t, key, fresh)), "", "")
	require.Equal(t, http.StatusUnauthorized, resp.status)
	fresh["exp"] = ts.clk.Now().Add(time.Minute).Unix()
	ts.tokens(ts.postForm(PathToken, assertionForm(signES(t, key, fresh)), "", ""))

	// Once the assertion has expired (on authmock's clock) its jti is
	// forgotten; the expired assertion itself stays refused.
	ts.clk.Advance(2 * time.Minute)
	resp = ts.postForm(PathToken, assertionForm(assertion), "", "")
	assert.JSONEq(t, `{"error":"invalid_client","error_description":"the client assertion has expired"}`, resp.String())
}

func TestCheckClientAuth(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	tests := []struct {
		name   string
		client fixtures.Client
		want   []string
	}{
		{"valid private_key_jwt", fixtures.Client{ID: "a", TokenEndpointAuthMethod: "private_key_jwt", JWKS: key.jwks}, nil},
		{"unknown method", fixtures.Client{ID: "a", Secret: "s", TokenEndpointAuthMethod: "tls_client_auth"},
			[]string{`clients[0].token_endpoint_auth_method: unknown method "tls_client_auth" (have [client_secret_basic client_secret_post client_secret_jwt private_key_jwt none])`}},
		{"private_key_jwt without keys", fixtures.Client{ID: "a", TokenEndpointAuthMethod: "private_key_jwt"},
			[]string{"clients[0].token_endpoint_auth_method: private_key_jwt needs the client's public keys in jwks or jwks_file"}},
		{"none for a confidential client", fixtures.Client{ID: "a", Secret: "s", TokenEndpointAuthMethod: "none"},
			[]string{`clients[0].token_endpoint_auth_method: "none" does not fit a client whose public is false`}},
		{"both jwks and jwks_file", fixtures.Client{ID: "a", TokenEndpointAuthMethod: "private_key_jwt", JWKS: key.jwks, JWKSFile: "k.json"},
			[]string{"clients[0].jwks_file: give jwks or jwks_file, not both"}},
		{"symmetric key", fixtures.Client{ID: "a", Secret: "s", JWKS: json.RawMessage(`{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0"}]}`)},
			[]string{"clients[0].jwks: keys[0]: a symmetric key cannot be registered; client_secret_jwt signs with the client secret"}},
		{"not a set", fixtures.Client{ID: "a", Secret: "s", JWKS: json.RawMessage(`{"kty":"EC"}`)},
			[]string{`clients[0].jwks: not a JWK Set: no "keys" array`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(map[string]any{"clients": []fixtures.Client{tc.client}})
			require.NoError(t, err)
			_, ps := parseConfig(raw)
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// A client added at runtime through the admin API may use private_key_jwt
// at once; one with a broken JWKS is refused and changes nothing.
func TestClientAssertionRuntimeClient(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := newTestServer(t, nil)
	item, err := json.Marshal(map[string]any{"token_endpoint_auth_method": "private_key_jwt", "jwks": key.jwks,
		"grant_types": []string{"client_credentials"}})
	require.NoError(t, err)
	created, err := ts.p.editor.PutFixture(t.Context(), "clients", "robot", item)
	require.NoError(t, err)
	assert.True(t, created)
	ts.tokens(ts.postForm(PathToken, assertionForm(signES(t, key, ts.assertionClaims("robot"))), "", ""))

	_, err = ts.p.editor.PutFixture(t.Context(), "clients", "broken",
		json.RawMessage(`{"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"EC"}]}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "jwks")
	_, err = ts.p.editor.GetFixture(t.Context(), "clients", "broken")
	assert.Error(t, err, "a refused client is not added")
}

// Every endpoint that authenticates clients accepts assertions: the pushed
// authorization request endpoint (RFC 9126 §2) and the device
// authorization endpoint (RFC 8628 §3.1) too.
func TestClientAssertionAtPARAndDeviceAuthorization(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	assertion := func(id, secret string) url.Values {
		return url.Values{"client_assertion_type": {oauth.ClientAssertionTypeJWT},
			"client_assertion": {signHS(t, jwt.SigningMethodHS256, secret, ts.assertionClaims(id))}}
	}
	resp := ts.postForm(PathPAR, merge(parForm(), assertion(webID, webSecret)), "", "")
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	assert.Contains(t, resp.json(t), "request_uri")

	resp = ts.postForm(PathDeviceAuthorization, merge(url.Values{"scope": {"openid"}}, assertion(partnerID, partnerSecret)), "", "")
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	assert.Contains(t, resp.json(t), "device_code")

	resp = ts.postForm(PathPAR, merge(parForm(), assertion(webID, "wrong")), "", "")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, `{"error":"invalid_client","error_description":"the client assertion's signature does not verify with the client's secret"}`, resp.String())
}
