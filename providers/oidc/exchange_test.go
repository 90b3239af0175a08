package oidc

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/jwtutil"
)

const (
	exchangerID     = "exchanger"
	exchangerSecret = "exchanger-secret-Pq7"
	apiAudience     = "https://api.example.com"
	idpIssuer       = "https://idp.example"
	peerIssuer      = "https://peer.example/oidc"
)

// exchangeServer is a test server whose exchanger client may exchange
// tokens for apiAudience and "orders", trusting idpIssuer (key idp) and
// the instance called "peer" (whose provider is peer).
type exchangeServer struct {
	*testServer
	idp  clientKey
	peer *Provider
}

func newExchangeServer(t testing.TB) *exchangeServer {
	t.Helper()
	idp := newClientKey(t)
	ts := newTestServer(t, func(c *Config) {
		c.Clients = append(c.Clients, fixtures.Client{
			ID: exchangerID, Secret: exchangerSecret,
			TokenExchange: &fixtures.TokenExchange{Audiences: []string{apiAudience, "orders"}},
		})
		c.TrustedIssuers = []TrustedIssuer{{Issuer: idpIssuer, JWKS: idp.jwks}, {Instance: "peer"}}
	})
	peerCfg := testConfig(t, func(c *Config) { c.Keys = []fixtures.KeySpec{{Builtin: "demo-es256"}} })
	peer, _, _, _ := newInstance(t, peerIssuer, peerCfg, slog.New(slog.DiscardHandler))
	ts.p.deps.Peer = func(name string) (string, *jwtutil.KeySet, bool) {
		if name == "peer" {
			return peerIssuer, peer.keys, true
		}
		return "", nil, false
	}
	return &exchangeServer{testServer: ts, idp: idp, peer: peer}
}

func (es *exchangeServer) exchange(form url.Values) response {
	es.tb.Helper()
	return es.postForm(PathToken, merge(url.Values{"grant_type": {string(oauth.GrantTokenExchange)}}, form), exchangerID, exchangerSecret)
}

// idpToken signs a token of the trusted external issuer.
func (es *exchangeServer) idpToken(claims jwt.MapClaims) string {
	es.tb.Helper()
	base := jwt.MapClaims{"iss": idpIssuer, "exp": es.clk.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		base[k] = v
	}
	return signES(es.tb, es.idp, base)
}

func TestTokenExchange(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	alice := es.passwordTokens("alice", alicePassword, "openid profile api:read api:write")
	service := es.tokens(es.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret))

	t.Run("impersonation: no act, the subject's sub and a narrowed scope", func(t *testing.T) {
		resp := es.exchange(url.Values{
			"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken},
			"audience": {apiAudience}, "scope": {"api:read"},
		})
		tok := es.tokens(resp)
		body := resp.json(t)
		assert.Equal(t, oauth.TokenTypeAccessToken, body["issued_token_type"])
		assert.Equal(t, "Bearer", tok.TokenType)
		assert.Equal(t, "api:read", tok.Scope)
		assert.Empty(t, tok.RefreshToken)
		assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
		claims := es.verifyJWT(tok.AccessToken)
		assert.Equal(t, aliceSubject, claims["sub"])
		assert.Equal(t, []any{apiAudience}, claims["aud"])
		assert.Equal(t, exchangerID, claims["client_id"])
		assert.NotContains(t, claims, "act")
		h, _ := decodeJWT(t, tok.AccessToken)
		assert.Equal(t, "at+jwt", h["typ"])
		es.assertActive(tok.AccessToken, true)
	})
	t.Run("delegation: act names the actor, prior actors nest", func(t *testing.T) {
		first := es.tokens(es.exchange(url.Values{
			"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken},
			"actor_token": {service.AccessToken}, "actor_token_type": {oauth.TokenTypeAccessToken},
		}))
		claims := es.verifyJWT(first.AccessToken)
		assert.Equal(t, map[string]any{"sub": serviceID}, claims["act"])
		assert.Equal(t, []any{exchangerID}, claims["aud"], "without audience or resource the token is for the client")

		actor := es.idpToken(jwt.MapClaims{"sub": "robot-7"})
		second := es.tokens(es.exchange(url.Values{
			"subject_token": {first.AccessToken}, "subject_token_type": {oauth.TokenTypeJWT},
			"actor_token": {actor}, "actor_token_type": {oauth.TokenTypeJWT},
			"audience": {apiAudience, "orders"}, "resource": {"orders"},
		}))
		claims = es.verifyJWT(second.AccessToken)
		assert.Equal(t, map[string]any{"sub": "robot-7", "iss": idpIssuer, "act": map[string]any{"sub": serviceID}}, claims["act"])
		assert.Equal(t, []any{apiAudience, "orders"}, claims["aud"])
	})
	t.Run("an ID token as subject, a JWT and an ID token requested", func(t *testing.T) {
		resp := es.exchange(url.Values{
			"subject_token": {alice.IDToken}, "subject_token_type": {oauth.TokenTypeIDToken},
			"requested_token_type": {oauth.TokenTypeJWT}, "scope": {"profile"},
		})
		tok := es.tokens(resp)
		assert.Equal(t, oauth.TokenTypeJWT, resp.json(t)["issued_token_type"])
		assert.Equal(t, "Bearer", tok.TokenType)

		resp = es.exchange(url.Values{
			"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken},
			"requested_token_type": {oauth.TokenTypeIDToken}, "audience": {"orders"}, "scope": {"openid profile"},
		})
		tok = es.tokens(resp)
		assert.Equal(t, oauth.TokenTypeIDToken, resp.json(t)["issued_token_type"])
		assert.Equal(t, "N_A", tok.TokenType)
		claims := es.verifyJWT(tok.AccessToken)
		h, _ := decodeJWT(t, tok.AccessToken)
		assert.Equal(t, "JWT", h["typ"])
		assert.Equal(t, aliceSubject, claims["sub"])
		assert.Equal(t, "Alice Liddell", claims["name"])
		assert.Equal(t, []any{"orders"}, claims["aud"])
	})
	t.Run("a trusted issuer's and a peer instance's tokens", func(t *testing.T) {
		// The idp's sub is alice's subject: the token is about her.
		tok := es.tokens(es.exchange(url.Values{
			"subject_token": {es.idpToken(jwt.MapClaims{"sub": aliceSubject, "scope": "api:read api:write"})}, "subject_token_type": {oauth.TokenTypeJWT},
		}))
		assert.Equal(t, "api:read api:write", tok.Scope)
		peerTok, err := es.peer.Mint(t.Context(), provider.MintRequest{ClientID: serviceID, Scopes: []string{"api:read"}})
		require.NoError(t, err)
		tok = es.tokens(es.exchange(url.Values{"subject_token": {peerTok.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken}}))
		assert.Equal(t, serviceID, es.verifyJWT(tok.AccessToken)["sub"])
		assert.Equal(t, "api:read", tok.Scope)
	})
}

func TestTokenExchangeErrors(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	alice := es.passwordTokens("alice", alicePassword, "openid profile api:read")
	service := es.tokens(es.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret))
	other := newClientKey(t)
	untrusted := signES(t, other, jwt.MapClaims{"iss": "https://evil.example", "sub": "x", "exp": es.clk.Now().Add(time.Hour).Unix()})
	forged := signES(t, other, jwt.MapClaims{"iss": idpIssuer, "sub": "x", "exp": es.clk.Now().Add(time.Hour).Unix()})
	expiredIdp := es.idpToken(jwt.MapClaims{"sub": "x", "exp": es.clk.Now().Add(-time.Minute).Unix()})
	subject := url.Values{"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken}}

	tests := []struct {
		name   string
		client [2]string
		form   url.Values
		status int
		body   string
	}{
		{"client without token_exchange", [2]string{partnerID, partnerSecret}, subject, 400,
			`{"error":"unauthorized_client","error_description":"the client may not exchange tokens (no token_exchange in its configuration)"}`},
		{"no subject_token", [2]string{}, url.Values{"subject_token_type": {oauth.TokenTypeAccessToken}}, 400,
			`{"error":"invalid_request","error_description":"subject_token is required"}`},
		{"no subject_token_type", [2]string{}, url.Values{"subject_token": {alice.AccessToken}}, 400,
			`{"error":"invalid_request","error_description":"subject_token_type is required"}`},
		{"actor_token without its type", [2]string{}, merge(subject, url.Values{"actor_token": {service.AccessToken}}), 400,
			`{"error":"invalid_request","error_description":"actor_token_type is required with actor_token"}`},
		{"actor_token_type alone", [2]string{}, merge(subject, url.Values{"actor_token_type": {oauth.TokenTypeAccessToken}}), 400,
			`{"error":"invalid_request","error_description":"actor_token_type must not be sent without actor_token"}`},
		{"refresh token requested", [2]string{}, merge(subject, url.Values{"requested_token_type": {oauth.TokenTypeRefreshToken}}), 400,
			`{"error":"invalid_request","error_description":"requested_token_type \"urn:ietf:params:oauth:token-type:refresh_token\" is not supported (access_token, jwt or id_token)"}`},
		{"audience not allowed", [2]string{}, merge(subject, url.Values{"audience": {apiAudience, "https://bank.example"}}), 400,
			`{"error":"invalid_target","error_description":"the client may not exchange tokens for \"https://bank.example\""}`},
		{"resource not allowed", [2]string{}, merge(subject, url.Values{"resource": {"https://bank.example/api"}}), 400,
			`{"error":"invalid_target","error_description":"the client may not exchange tokens for \"https://bank.example/api\""}`},
		{"refresh token as subject", [2]string{}, url.Values{"subject_token": {"x"}, "subject_token_type": {oauth.TokenTypeRefreshToken}}, 400,
			`{"error":"invalid_request","error_description":"subject_token_type \"urn:ietf:params:oauth:token-type:refresh_token\" is not supported (access_token, id_token or jwt)"}`},
		{"not a JWT", [2]string{}, url.Values{"subject_token": {"opaque"}, "subject_token_type": {oauth.TokenTypeAccessToken}}, 400,
			`{"error":"invalid_request","error_description":"the subject_token is not a JWT"}`},
		{"an ID token as access_token", [2]string{}, url.Values{"subject_token": {alice.IDToken}, "subject_token_type": {oauth.TokenTypeAccessToken}}, 400,
			`{"error":"invalid_request","error_description":"the subject_token is not acceptable: the token is not an access token"}`},
		{"an access token as id_token", [2]string{}, url.Values{"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeIDToken}}, 400,
			`{"error":"invalid_request","error_description":"the subject_token is not a valid ID token of this issuer"}`},
		{"untrusted issuer", [2]string{}, url.Values{"subject_token": {untrusted}, "subject_token_type": {oauth.TokenTypeJWT}}, 400,
			`{"error":"invalid_request","error_description":"the subject_token's issuer is not trusted"}`},
		{"trusted issuer, wrong key", [2]string{}, url.Values{"subject_token": {forged}, "subject_token_type": {oauth.TokenTypeJWT}}, 400,
			`{"error":"invalid_request","error_description":"the subject_token does not verify with its issuer's keys"}`},
		{"trusted issuer, expired", [2]string{}, url.Values{"subject_token": {expiredIdp}, "subject_token_type": {oauth.TokenTypeJWT}}, 400,
			`{"error":"invalid_request","error_description":"the subject_token has expired"}`},
		{"bad actor token", [2]string{}, merge(subject, url.Values{"actor_token": {untrusted}, "actor_token_type": {oauth.TokenTypeJWT}}), 400,
			`{"error":"invalid_request","error_description":"the actor_token's issuer is not trusted"}`},
		{"scope wider than the subject's", [2]string{}, merge(subject, url.Values{"scope": {"api:read api:write"}}), 400,
			`{"error":"invalid_scope","error_description":"scope \"api:write\" is not within the subject token's scope"}`},
		{"id_token for a client's token", [2]string{}, url.Values{"subject_token": {service.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken}, "requested_token_type": {oauth.TokenTypeIDToken}}, 400,
			`{"error":"invalid_request","error_description":"an id_token can only be issued for a user of this instance"}`},
		{"audience sent twice is fine, subject_token twice is not", [2]string{}, merge(subject, url.Values{"subject_token": {"a", "b"}}), 400,
			`{"error":"invalid_request","error_description":"parameter \"subject_token\" was sent more than once"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp response
			if tc.client[0] != "" {
				resp = es.postForm(PathToken, merge(url.Values{"grant_type": {string(oauth.GrantTokenExchange)}}, tc.form), tc.client[0], tc.client[1])
			} else {
				resp = es.exchange(tc.form)
			}
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}

	t.Run("expired and revoked subject tokens", func(t *testing.T) {
		bob := es.passwordTokens("bob", bobPassword, "openid")
		_, err := es.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "bob"})
		require.NoError(t, err)
		resp := es.exchange(url.Values{"subject_token": {bob.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken}})
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, `{"error":"invalid_request","error_description":"the subject_token is not acceptable: the access token has been revoked"}`, resp.String())

		es.clk.Advance(2 * time.Hour)
		resp = es.exchange(subject)
		assert.JSONEq(t, `{"error":"invalid_request","error_description":"the subject_token is not acceptable: the access token expired"}`, resp.String())
	})
}

// TestTokenExchangeDisabledUser: an exchange mints new tokens, so, like
// signing in, the refresh grant and the jwt-bearer grant, it refuses a user
// who is disabled, whichever kind of token names them and whichever side
// (subject or actor) they are on. Otherwise a client could keep a disabled
// user's access alive for ever, exchanging each token for a fresh one, or
// get an ID token about them. Enabled again, the same token is accepted.
func TestTokenExchangeDisabledUser(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	alice := es.passwordTokens("alice", alicePassword, "openid profile api:read")
	service := es.tokens(es.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret))
	setDisabled := func(disabled bool) {
		u, ok := es.p.dir.User("alice")
		require.True(t, ok)
		u.Disabled = disabled
		require.Empty(t, es.p.dir.PutUser(u))
	}
	subjectGone := `{"error":"invalid_request","error_description":"the subject_token's user no longer exists or is disabled"}`
	tests := []struct {
		name string
		form url.Values
		body string
	}{
		{"her access token", url.Values{"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken}}, subjectGone},
		{"her access token as a jwt", url.Values{"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeJWT}}, subjectGone},
		{"her access token, an ID token requested", url.Values{
			"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken},
			"requested_token_type": {oauth.TokenTypeIDToken}, "scope": {"openid profile"},
		}, subjectGone},
		{"her ID token", url.Values{"subject_token": {alice.IDToken}, "subject_token_type": {oauth.TokenTypeIDToken}}, subjectGone},
		{"a trusted issuer's token about her", url.Values{
			"subject_token": {es.idpToken(jwt.MapClaims{"sub": aliceSubject, "scope": "api:read"})}, "subject_token_type": {oauth.TokenTypeJWT},
		}, subjectGone},
		{"her access token as the actor", url.Values{
			"subject_token": {service.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken},
			"actor_token": {alice.AccessToken}, "actor_token_type": {oauth.TokenTypeAccessToken},
		}, `{"error":"invalid_request","error_description":"the actor_token's user no longer exists or is disabled"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setDisabled(true)
			resp := es.exchange(tc.form)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, tc.body, resp.String())

			setDisabled(false)
			assert.Equal(t, http.StatusOK, es.exchange(tc.form).status, "enabled again, the same request succeeds")
		})
	}
}

// TestTokenExchangeRevokedGrantIDToken: an ID token names its grant (sid).
// Once the grant is revoked (its refresh token revoked, logout, a replayed
// code) the ID token is refused as a subject, as a revoked access token
// is; and an ID token an exchange issued keeps the subject's sid, so it
// cannot launder a grant's ID token into one whose revocation nothing
// checks (revoked grant's ID token -> new ID token -> live access token).
func TestTokenExchangeRevokedGrantIDToken(t *testing.T) {
	t.Parallel()
	revoked := `{"error":"invalid_request","error_description":"the subject_token has been revoked"}`
	tests := []struct {
		name string
		// subject returns the ID token to exchange once alice's grant is
		// revoked; it runs before the revocation.
		subject   func(es *exchangeServer, alice tokenSet) string
		requested string
	}{
		{"her ID token, for an access token", func(_ *exchangeServer, alice tokenSet) string { return alice.IDToken }, oauth.TokenTypeAccessToken},
		{"her ID token, for an ID token", func(_ *exchangeServer, alice tokenSet) string { return alice.IDToken }, oauth.TokenTypeIDToken},
		{"an ID token exchanged from hers", func(es *exchangeServer, alice tokenSet) string {
			resp := es.exchange(url.Values{
				"subject_token": {alice.IDToken}, "subject_token_type": {oauth.TokenTypeIDToken},
				"requested_token_type": {oauth.TokenTypeIDToken}, "scope": {"openid profile"},
			})
			require.Equal(t, http.StatusOK, resp.status, "before the revocation: %s", resp.body)
			return resp.json(t)["access_token"].(string)
		}, oauth.TokenTypeAccessToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			es := newExchangeServer(t)
			alice := es.passwordTokens("alice", alicePassword, "openid profile api:read")
			subject := tc.subject(es, alice)
			form := url.Values{
				"subject_token": {subject}, "subject_token_type": {oauth.TokenTypeIDToken},
				"requested_token_type": {tc.requested}, "scope": {"openid profile"},
			}
			require.Equal(t, http.StatusOK, es.exchange(form).status, "the grant is live")

			resp := es.postForm(PathRevoke, url.Values{"token": {alice.RefreshToken}}, webID, webSecret)
			require.Equal(t, http.StatusOK, resp.status)
			resp = es.exchange(form)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, revoked, resp.String())
		})
	}
}

// TestTokenExchangeIDTokenOfARevokedUser: the admin API's revoke by user
// or client revokes every grant of theirs, so an ID token of such a grant
// (judged by its refresh family, which the revocation reaches) is refused
// as a subject, as the grant's access tokens are; otherwise an ID token
// kept from before "revoke everything alice holds" would exchange into a
// working access token. Expiring (access tokens only) leaves it alone, and
// an ID token issued after the revocation is accepted.
func TestTokenExchangeIDTokenOfARevokedUser(t *testing.T) {
	t.Parallel()
	revoked := `{"error":"invalid_request","error_description":"the subject_token has been revoked"}`
	tests := []struct {
		name   string
		act    func(es *exchangeServer) error
		status int
		body   string
	}{
		{"revoked by user", func(es *exchangeServer) error {
			_, err := es.p.life.Revoke(es.tb.Context(), provider.TokenSelector{Username: "alice"})
			return err
		}, http.StatusBadRequest, revoked},
		{"revoked by client", func(es *exchangeServer) error {
			_, err := es.p.life.Revoke(es.tb.Context(), provider.TokenSelector{ClientID: webID})
			return err
		}, http.StatusBadRequest, revoked},
		{"expired by user", func(es *exchangeServer) error {
			_, err := es.p.life.Expire(es.tb.Context(), provider.TokenSelector{Username: "alice"})
			return err
		}, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			es := newExchangeServer(t)
			exchange := func(idToken string) response {
				return es.exchange(url.Values{"subject_token": {idToken}, "subject_token_type": {oauth.TokenTypeIDToken}, "scope": {"openid profile"}})
			}
			alice := es.passwordTokens("alice", alicePassword, "openid profile api:read")
			require.NoError(t, tc.act(es))
			resp := exchange(alice.IDToken)
			assert.Equal(t, tc.status, resp.status)
			if tc.body != "" {
				assert.JSONEq(t, tc.body, resp.String())
			} else {
				es.assertActive(es.tokens(resp).AccessToken, true)
			}
			after := es.passwordTokens("alice", alicePassword, "openid profile api:read")
			assert.Equal(t, http.StatusOK, exchange(after.IDToken).status, "an ID token issued after the revocation")
		})
	}
}

// Exchanged tokens are access tokens like any other: the admin API's
// revoke by user or client, and revoking the subject token's grant, reach
// them.
func TestTokenExchangeLifecycle(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	exchange := func(subject string) string {
		return es.tokens(es.exchange(url.Values{"subject_token": {subject}, "subject_token_type": {oauth.TokenTypeAccessToken}})).AccessToken
	}
	alice := es.passwordTokens("alice", alicePassword, "openid api:read")
	byUser := exchange(alice.AccessToken)
	_, err := es.p.life.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	es.assertAccessDead(byUser)

	bob := es.passwordTokens("bob", bobPassword, "openid")
	byClient := exchange(bob.AccessToken)
	_, err = es.p.life.Expire(t.Context(), provider.TokenSelector{ClientID: exchangerID})
	require.NoError(t, err)
	es.assertAccessDead(byClient)
	es.assertActive(bob.AccessToken, true)

	// Revoking the subject's refresh token revokes its grant, which the
	// exchanged token belongs to (sid).
	bob = es.passwordTokens("bob", bobPassword, "openid")
	byGrant := exchange(bob.AccessToken)
	resp := es.postForm(PathRevoke, url.Values{"token": {bob.RefreshToken}}, webID, webSecret)
	require.Equal(t, http.StatusOK, resp.status)
	es.assertAccessDead(byGrant)
}

// golang.org/x/oauth2's clientcredentials package lets EndpointParams
// replace grant_type, which is how Go services commonly send an RFC 8693
// request; it must read authmock's answer, issued_token_type included.
func TestTokenExchangeXOAuth2(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	alice := es.passwordTokens("alice", alicePassword, "openid api:read")
	cfg := clientcredentials.Config{
		ClientID: exchangerID, ClientSecret: exchangerSecret, TokenURL: es.url(PathToken),
		AuthStyle: oauth2.AuthStyleInHeader, Scopes: []string{"api:read"},
		EndpointParams: url.Values{
			"grant_type":    {string(oauth.GrantTokenExchange)},
			"subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken},
			"audience": {apiAudience},
		},
	}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, es.srv.Client())
	tok, err := cfg.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, oauth.TokenTypeAccessToken, tok.Extra("issued_token_type"))
	claims := es.verifyJWT(tok.AccessToken)
	assert.Equal(t, aliceSubject, claims["sub"])
	assert.Equal(t, []any{apiAudience}, claims["aud"])

	cfg.EndpointParams.Set("audience", "https://bank.example")
	_, err = cfg.Token(ctx)
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_target", re.ErrorCode)
}

// A DPoP proof with an exchange binds the new token to the proof's key
// (RFC 9449 §5), as with every other grant: cnf.jkt and token_type DPoP.
// Without one the token stays a Bearer token.
func TestTokenExchangeDPoP(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	alice := es.passwordTokens("alice", alicePassword, "openid api:read")
	key := newDPoPKey(t)
	form := url.Values{"grant_type": {string(oauth.GrantTokenExchange)}, "subject_token": {alice.AccessToken}, "subject_token_type": {oauth.TokenTypeAccessToken}}
	resp := es.postToken(form, exchangerID, exchangerSecret, key.tokenProof(t, es.testServer))
	tok := es.tokens(resp)
	assert.Equal(t, "DPoP", tok.TokenType)
	assert.Equal(t, map[string]any{"jkt": key.jkt}, es.verifyJWT(tok.AccessToken)["cnf"])
	assert.Equal(t, oauth.TokenTypeAccessToken, resp.json(t)["issued_token_type"])

	plain := es.tokens(es.postToken(form, exchangerID, exchangerSecret))
	assert.Equal(t, "Bearer", plain.TokenType)
	assert.NotContains(t, es.verifyJWT(plain.AccessToken), "cnf")
}

// may_act in the subject token (RFC 8693 §4.4) names who may act for its
// subject: another actor, or the right sub from another issuer, is refused;
// the named one is accepted.
func TestTokenExchangeMayAct(t *testing.T) {
	t.Parallel()
	es := newExchangeServer(t)
	subject := es.idpToken(jwt.MapClaims{"sub": aliceSubject, "scope": "api:read", "may_act": map[string]any{"sub": serviceID, "iss": es.issuer}})
	exchange := func(actor string) response {
		return es.exchange(url.Values{
			"subject_token": {subject}, "subject_token_type": {oauth.TokenTypeJWT},
			"actor_token": {actor}, "actor_token_type": {oauth.TokenTypeJWT},
		})
	}
	refused := `{"error":"invalid_request","error_description":"the actor_token's subject may not act for the subject_token's (may_act)"}`

	resp := exchange(es.idpToken(jwt.MapClaims{"sub": "robot-8"}))
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, refused, resp.String(), "another actor")

	peerService, err := es.peer.Mint(t.Context(), provider.MintRequest{ClientID: serviceID})
	require.NoError(t, err)
	resp = exchange(peerService.AccessToken)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, refused, resp.String(), "the right sub from another issuer")

	service := es.tokens(es.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, serviceID, serviceSecret))
	tok := es.tokens(exchange(service.AccessToken))
	assert.Equal(t, map[string]any{"sub": serviceID}, es.verifyJWT(tok.AccessToken)["act"])
}
