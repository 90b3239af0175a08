package oidc

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
)

// bearerClaims are valid grant-assertion claims about sub from the trusted
// idp.
func (es *exchangeServer) bearerClaims(sub string) jwt.MapClaims {
	now := es.clk.Now()
	return jwt.MapClaims{
		"iss": idpIssuer, "sub": sub, "aud": es.url(PathToken), "jti": "b-" + randHex(es.tb),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
}

func (es *exchangeServer) bearer(assertion string, extra url.Values) response {
	es.tb.Helper()
	form := merge(url.Values{"grant_type": {string(oauth.GrantJWTBearer)}, "assertion": {assertion}}, extra)
	return es.postForm(PathToken, form, partnerID, partnerSecret)
}

func TestJWTBearerGrant(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)

	t.Run("sub maps to a user by subject or username", func(t *testing.T) {
		tok := es.tokens(es.bearer(es.signIdp(es.bearerClaims(aliceSubject)), url.Values{"scope": {"openid profile"}}))
		claims := es.verifyJWT(tok.AccessToken)
		assert.Equal(t, aliceSubject, claims["sub"])
		assert.Equal(t, partnerID, claims["client_id"])
		assert.Equal(t, "openid profile", tok.Scope)
		assert.NotEmpty(t, tok.IDToken)
		assert.Empty(t, tok.RefreshToken)

		c := es.bearerClaims("bob")
		c["aud"] = []string{"https://else.example", es.issuer}
		tok = es.tokens(es.bearer(es.signIdp(c), nil))
		assert.Equal(t, "bob", es.verifyJWT(tok.AccessToken)["sub"])
	})
	t.Run("tokens from the grant are revoked with their user", func(t *testing.T) {
		tok := es.tokens(es.bearer(es.signIdp(es.bearerClaims("bob")), nil))
		_, err := es.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "bob"})
		require.NoError(t, err)
		es.assertAccessDead(tok.AccessToken)
	})
	t.Run("a jti is used once; a refused assertion does not burn it", func(t *testing.T) {
		c := es.bearerClaims(aliceSubject)
		c["aud"] = "https://else.example"
		resp := es.bearer(es.signIdp(c), nil)
		require.Equal(t, http.StatusBadRequest, resp.status)
		c["aud"] = es.url(PathToken)
		assertion := es.signIdp(c)
		es.tokens(es.bearer(assertion, nil))
		resp = es.bearer(assertion, nil)
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, `{"error":"invalid_grant","error_description":"the assertion has already been used (jti)"}`, resp.String())
	})
}

// signIdp signs claims with the trusted idp's key as they are.
func (es *exchangeServer) signIdp(claims jwt.MapClaims) string { return signES(es.tb, es.idp, claims) }

func TestJWTBearerGrantErrors(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	other := newClientKey(t)
	now := es.clk.Now()
	with := func(edit func(jwt.MapClaims)) string {
		c := es.bearerClaims(aliceSubject)
		edit(c)
		return es.signIdp(c)
	}
	untrusted := es.bearerClaims(aliceSubject)
	untrusted["iss"] = "https://evil.example"
	aud := es.url(PathToken) + " or " + es.issuer
	tests := []struct {
		name      string
		assertion string
		extra     url.Values
		status    int
		body      string
	}{
		{"no assertion", "", nil, 400, `{"error":"invalid_request","error_description":"assertion is required"}`},
		{"not a JWT", "abc", nil, 400, `{"error":"invalid_grant","error_description":"the assertion is not a signed JWT"}`},
		{"untrusted issuer", signES(t, other, untrusted), nil, 400, `{"error":"invalid_grant","error_description":"the assertion's issuer is not trusted"}`},
		{"trusted issuer, wrong key", signES(t, clientKey{priv: other.priv, kid: es.idp.kid}, es.bearerClaims(aliceSubject)), nil, 400,
			`{"error":"invalid_grant","error_description":"the assertion does not verify with its issuer's keys"}`},
		{"alg none", func() string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodNone, es.bearerClaims(aliceSubject)).SignedString(jwt.UnsafeAllowNoneSignatureType)
			require.NoError(t, err)
			return s
		}(), nil, 400, `{"error":"invalid_grant","error_description":"the assertion does not verify with its issuer's keys"}`},
		{"HS256 keyed with the issuer's public key", signHS(t, jwt.SigningMethodHS256, string(es.idp.jwks), es.bearerClaims(aliceSubject)), nil, 400,
			`{"error":"invalid_grant","error_description":"the assertion does not verify with its issuer's keys"}`},
		{"no exp", with(func(c jwt.MapClaims) { delete(c, "exp") }), nil, 400, `{"error":"invalid_grant","error_description":"the assertion has no exp"}`},
		{"expired", with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), nil, 400, `{"error":"invalid_grant","error_description":"the assertion has expired"}`},
		{"exp too far away", with(func(c jwt.MapClaims) { c["exp"] = now.Add(2 * time.Hour).Unix() }), nil, 400, `{"error":"invalid_grant","error_description":"the assertion's exp is more than 1h0m0s away"}`},
		{"nbf in the future", with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }), nil, 400, `{"error":"invalid_grant","error_description":"the assertion is not valid yet (nbf)"}`},
		{"iat in the future", with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }), nil, 400, `{"error":"invalid_grant","error_description":"the assertion was issued in the future (iat)"}`},
		{"no sub", with(func(c jwt.MapClaims) { delete(c, "sub") }), nil, 400, `{"error":"invalid_grant","error_description":"the assertion has no sub"}`},
		{"aud another server", with(func(c jwt.MapClaims) { c["aud"] = "https://else.example/token" }), nil, 400,
			`{"error":"invalid_grant","error_description":"the assertion's aud must contain ` + aud + `"}`},
		{"unknown user", with(func(c jwt.MapClaims) { c["sub"] = "mallory" }), nil, 400,
			`{"error":"invalid_grant","error_description":"the assertion's sub names no user of this instance who may sign in"}`},
		{"disabled user", with(func(c jwt.MapClaims) { c["sub"] = "carol" }), nil, 400,
			`{"error":"invalid_grant","error_description":"the assertion's sub names no user of this instance who may sign in"}`},
		{"unknown scope", es.signIdp(es.bearerClaims(aliceSubject)), url.Values{"scope": {"admin"}}, 400,
			`{"error":"invalid_scope","error_description":"scope \"admin\" is not allowed for this client"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := es.bearer(tc.assertion, tc.extra)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}
	recs, err := es.p.deps.Store.ListRecords(t.Context(), bearerJTIPrefix)
	require.NoError(t, err)
	assert.Empty(t, recs, "a refused assertion must not burn its jti")

	t.Run("a public client cannot use the grant", func(t *testing.T) {
		resp := es.postForm(PathToken, url.Values{"grant_type": {string(oauth.GrantJWTBearer)}, "client_id": {spaID},
			"assertion": {es.signIdp(es.bearerClaims(aliceSubject))}}, "", "")
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, `{"error":"unauthorized_client","error_description":"a public client cannot use grant_type \"urn:ietf:params:oauth:grant-type:jwt-bearer\""}`, resp.String())
	})
}
