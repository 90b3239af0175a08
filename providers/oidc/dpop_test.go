package oidc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

func TestDPoPBindsTokensAtTheTokenEndpoint(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)

	resp := ts.postToken(serviceForm, serviceID, serviceSecret, k.tokenProof(t, ts))
	tok := ts.tokens(resp)
	assert.Equal(t, "DPoP", tok.TokenType)
	assert.Equal(t, map[string]any{"jkt": k.jkt}, ts.verifyJWT(tok.AccessToken)["cnf"])
	assert.Equal(t, "no-store", resp.header.Get("Cache-Control"))
	assert.Empty(t, resp.header.Get("DPoP-Nonce"), "no nonce unless the instance asks for them")

	plain := ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret))
	assert.Equal(t, "Bearer", plain.TokenType)
	assert.NotContains(t, ts.verifyJWT(plain.AccessToken), "cnf")
}

// TestDPoPTokenEndpointErrors is every RFC 9449 error the token endpoint
// answers, with the exact status and body (§5: invalid_dpop_proof, 400).
func TestDPoPTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)
	other := newDPoPKey(t)
	now := ts.clk.Now()
	tokenURL := ts.url(PathToken)
	spent := k.tokenProof(t, ts)
	ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret, spent))
	private := k.jwk["x"]
	cases := []struct {
		name   string
		proofs []string
		want   string
	}{
		{"malformed", []string{"not-a-jwt"}, "the DPoP proof is not a signed JWT"},
		{"two proofs", []string{k.tokenProof(t, ts), k.tokenProof(t, ts)}, "the request carries 2 DPoP headers; send exactly one"},
		{"htm", []string{k.proof(t, ts, "GET", tokenURL, "", nil)}, `the DPoP proof's htm "GET" does not match the request method POST`},
		{"htu", []string{k.proof(t, ts, "POST", ts.url(PathUserinfo), "", nil)}, "the DPoP proof's htu does not match the request URI"},
		{"iat too old", []string{k.proof(t, ts, "POST", tokenURL, "", map[string]any{"iat": now.Add(-6 * time.Minute).Unix()})}, "the DPoP proof's iat is outside the accepted window of 5m0s"},
		{"iat in the future", []string{k.proof(t, ts, "POST", tokenURL, "", map[string]any{"iat": now.Add(6 * time.Minute).Unix()})}, "the DPoP proof's iat is outside the accepted window of 5m0s"},
		{"no jti", []string{k.proof(t, ts, "POST", tokenURL, "", map[string]any{"jti": nil})}, "the DPoP proof has no jti"},
		{"replay", []string{spent}, "the DPoP proof has already been used (jti replay)"},
		{"private key in jwk", []string{withJWK(t, ts, k, map[string]any{"d": private})}, `the DPoP proof's jwk: it holds the private member "d"; a proof carries the public key only`},
		{"signed by another key", []string{withJWK(t, ts, k, other.jwk)}, "the DPoP proof's signature does not verify with its jwk"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.postToken(serviceForm, serviceID, serviceSecret, tc.proofs...)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.JSONEq(t, errJSON("invalid_dpop_proof", tc.want), resp.String())
			assert.Empty(t, resp.header.Get("WWW-Authenticate"))
		})
	}
}

// withJWK is a proof whose jwk header is replaced (so the signature is by
// k but the header names another key, or carries a private member).
func withJWK(t *testing.T, ts *testServer, k dpopKey, jwk map[string]any) string {
	merged := map[string]any{}
	for n, v := range k.jwk {
		merged[n] = v
	}
	if _, ok := jwk["kty"]; ok {
		merged = jwk
	} else {
		for n, v := range jwk {
			merged[n] = v
		}
	}
	swapped := dpopKey{priv: k.priv, jwk: merged}
	return swapped.tokenProof(t, ts)
}

func TestDPoPRequiredByClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		for i := range c.Clients {
			if c.Clients[i].ID == serviceID {
				c.Clients[i].DPoPBoundAccessTokens = true
			}
		}
	})
	resp := ts.postToken(serviceForm, serviceID, serviceSecret)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_dpop_proof", "this client must send a DPoP proof (dpop_bound_access_tokens)"), resp.String())
	k := newDPoPKey(t)
	assert.Equal(t, "DPoP", ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret, k.tokenProof(t, ts))).TokenType)
}

// TestDPoPReplayAtTheWindowsEdge: a spent proof stays refused for as long
// as its iat is accepted, up to and including the last instant of the
// window. The jti record expires when the window ends, so a proof accepted
// at that very instant (a frozen admin clock stays there) could be
// replayed any number of times.
func TestDPoPReplayAtTheWindowsEdge(t *testing.T) {
	t.Parallel()
	const replayed = "the DPoP proof has already been used (jti replay)"
	const outside = "the DPoP proof's iat is outside the accepted window of 5m0s"
	cases := []struct {
		name  string
		iat   time.Duration // from the clock when the proof is spent
		later time.Duration // when it is replayed
		want  string
	}{
		{"a second before the edge", 0, 5 * time.Minute, replayed},
		{"at the edge", 0, 5*time.Minute + time.Second, outside},
		{"a proof from the future, at its edge", 5 * time.Minute, 10*time.Minute + time.Second, outside},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			k := newDPoPKey(t)
			start := ts.clk.Now()
			proof := k.proof(t, ts, http.MethodPost, ts.url(PathToken), "", map[string]any{"iat": start.Add(tc.iat).Unix()})
			require.Equal(t, "DPoP", ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret, proof)).TokenType)
			ts.clk.Set(start.Add(tc.later))
			for range 2 {
				resp := ts.postToken(serviceForm, serviceID, serviceSecret, proof)
				assert.Equal(t, http.StatusBadRequest, resp.status)
				assert.JSONEq(t, errJSON("invalid_dpop_proof", tc.want), resp.String())
			}
		})
	}
}

// TestDPoPBadInputChangesNoState: a bad proof consumes no code, and a good
// proof whose request fails is not spent.
func TestDPoPBadInputChangesNoState(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)
	code := ts.code(nil)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}}
	bad := k.proof(t, ts, "POST", ts.url(PathUserinfo), "", nil)
	assert.Equal(t, http.StatusBadRequest, ts.postToken(form, webID, webSecret, bad).status)
	tok := ts.tokens(ts.postToken(form, webID, webSecret, k.tokenProof(t, ts)))
	assert.Equal(t, "DPoP", tok.TokenType, "the code survived the bad proof")

	proof := k.tokenProof(t, ts)
	wrong := passwordForm("openid")
	wrong.Set("password", "nope")
	resp := ts.postToken(wrong, webID, webSecret, proof)
	assert.JSONEq(t, errJSON("invalid_grant", "invalid username or password"), resp.String())
	assert.Equal(t, "DPoP", ts.tokens(ts.postToken(passwordForm("openid"), webID, webSecret, proof)).TokenType, "the failed request did not spend the proof")
	resp = ts.postToken(passwordForm("openid"), webID, webSecret, proof)
	assert.JSONEq(t, errJSON("invalid_dpop_proof", "the DPoP proof has already been used (jti replay)"), resp.String())
}

func TestDPoPUserinfo(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)
	other := newDPoPKey(t)
	bound := ts.tokens(ts.postToken(passwordForm("openid profile"), webID, webSecret, k.tokenProof(t, ts))).AccessToken
	bearer := ts.passwordTokens("alice", alicePassword, "openid").AccessToken
	uiURL := ts.url(PathUserinfo)

	ok := ts.dpopUserinfo("DPoP", bound, k.proof(t, ts, "GET", uiURL, bound, nil))
	require.Equal(t, http.StatusOK, ok.status, ok.String())
	assert.Equal(t, aliceSubject, ok.json(t)["sub"])
	assert.Equal(t, "Alice Liddell", ok.json(t)["name"])

	spent := k.proof(t, ts, "GET", uiURL, bound, nil)
	require.Equal(t, http.StatusOK, ts.dpopUserinfo("DPoP", bound, spent).status)

	challenge := func(code, desc string) string {
		return `DPoP realm="` + ts.issuer + `", error="` + code + `", error_description="` + desc + `", ` + dpopAlgs
	}
	cases := []struct {
		name, scheme, token string
		proofs              []string
		code, desc          string
	}{
		{"bound token as Bearer", "Bearer", bound, nil, "invalid_token", "the access token is DPoP-bound; present it with the DPoP authorization scheme and a proof"},
		{"bound token as Bearer with a proof", "Bearer", bound, []string{k.proof(t, ts, "GET", uiURL, bound, nil)}, "invalid_token", "the access token is DPoP-bound; present it with the DPoP authorization scheme and a proof"},
		{"no proof", "DPoP", bound, nil, "invalid_dpop_proof", "a DPoP proof is required with the DPoP authorization scheme"},
		{"no ath", "DPoP", bound, []string{k.proof(t, ts, "GET", uiURL, "", nil)}, "invalid_dpop_proof", "the DPoP proof has no ath for the access token"},
		{"ath of another token", "DPoP", bound, []string{k.proof(t, ts, "GET", uiURL, bearer, nil)}, "invalid_dpop_proof", "the DPoP proof's ath does not match the access token"},
		{"another key", "DPoP", bound, []string{other.proof(t, ts, "GET", uiURL, bound, nil)}, "invalid_dpop_proof", "the DPoP proof's key is not the key the access token is bound to"},
		{"htm", "DPoP", bound, []string{k.proof(t, ts, "POST", uiURL, bound, nil)}, "invalid_dpop_proof", "the DPoP proof's htm 'POST' does not match the request method GET"},
		{"htu of the token endpoint", "DPoP", bound, []string{k.proof(t, ts, "GET", ts.url(PathToken), bound, nil)}, "invalid_dpop_proof", "the DPoP proof's htu does not match the request URI"},
		{"replay", "DPoP", bound, []string{spent}, "invalid_dpop_proof", "the DPoP proof has already been used (jti replay)"},
		{"bearer token as DPoP", "DPoP", bearer, []string{k.proof(t, ts, "GET", uiURL, bearer, nil)}, "invalid_token", "the access token is not DPoP-bound; present it as a Bearer token"},
		{"garbage token", "DPoP", "garbage", []string{k.proof(t, ts, "GET", uiURL, "garbage", nil)}, "invalid_token", "the access token is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.dpopUserinfo(tc.scheme, tc.token, tc.proofs...)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.Equal(t, challenge(tc.code, tc.desc), resp.header.Get("WWW-Authenticate"))
			desc := tc.desc
			if tc.name == "htm" {
				desc = `the DPoP proof's htm "POST" does not match the request method GET`
			}
			assert.JSONEq(t, errJSON(tc.code, desc), resp.String())
		})
	}

	// A request without credentials is offered both schemes.
	bare := ts.get(PathUserinfo, nil)
	assert.Equal(t, http.StatusUnauthorized, bare.status)
	assert.Equal(t, []string{`Bearer realm="` + ts.issuer + `"`, `DPoP realm="` + ts.issuer + `", ` + dpopAlgs}, bare.header.Values("WWW-Authenticate"))

	// A failure after the proof was accepted gives the proof back.
	noOpenID := ts.tokens(ts.postToken(passwordForm("profile"), webID, webSecret, k.tokenProof(t, ts))).AccessToken
	proof := k.proof(t, ts, "GET", uiURL, noOpenID, nil)
	assert.Equal(t, http.StatusForbidden, ts.dpopUserinfo("DPoP", noOpenID, proof).status)
	_, err := ts.p.dpop.Verify(context.Background(), dpopReq(ts, proof, noOpenID, k.jkt))
	assert.NoError(t, err, "the proof of the refused request was released")
}

func TestDPoPIntrospection(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)
	bound := ts.tokens(ts.postToken(passwordForm("openid"), webID, webSecret, k.tokenProof(t, ts)))
	got := ts.introspect(bound.AccessToken, "").json(t)
	assert.Equal(t, true, got["active"])
	assert.Equal(t, "DPoP", got["token_type"])
	assert.Equal(t, map[string]any{"jkt": k.jkt}, got["cnf"])

	plain := ts.introspect(ts.passwordTokens("alice", alicePassword, "openid").AccessToken, "").json(t)
	assert.Equal(t, "Bearer", plain["token_type"])
	assert.NotContains(t, plain, "cnf")

	// A confidential client's refresh token is not bound: its
	// authentication already constrains it (RFC 9449 §5).
	rt := ts.introspect(bound.RefreshToken, "refresh_token").json(t)
	assert.Equal(t, true, rt["active"])
	assert.NotContains(t, rt, "cnf")
}

// TestDPoPPublicClientRefresh: a public client's refresh token is bound to
// its key; refreshing needs a proof by that key, and a refused refresh
// leaves the token usable. A confidential client refreshes without one.
func TestDPoPPublicClientRefresh(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)
	other := newDPoPKey(t)
	verifier := "dpop-spa-verifier-0123456789-0123456789-0123456789"
	code := ts.code(url.Values{"client_id": {spaID}, "redirect_uri": {spaRedirect}, "scope": {"openid"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})
	tok := ts.tokens(ts.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {spaRedirect}, "client_id": {spaID}, "code_verifier": {verifier}}, "", "", k.tokenProof(t, ts)))
	require.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, map[string]any{"jkt": k.jkt}, ts.introspect(tok.RefreshToken, "refresh_token").json(t)["cnf"])

	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {spaID}}
	resp := ts.postToken(refresh, "", "")
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_grant", "the refresh token is bound to a DPoP key; send a DPoP proof signed with it"), resp.String())
	resp = ts.postToken(refresh, "", "", other.tokenProof(t, ts))
	assert.JSONEq(t, errJSON("invalid_grant", "the refresh token is bound to another DPoP key"), resp.String())

	next := ts.tokens(ts.postToken(refresh, "", "", k.tokenProof(t, ts)))
	assert.Equal(t, "DPoP", next.TokenType)
	assert.Equal(t, map[string]any{"jkt": k.jkt}, ts.verifyJWT(next.AccessToken)["cnf"])
	assert.Equal(t, map[string]any{"jkt": k.jkt}, ts.introspect(next.RefreshToken, "refresh_token").json(t)["cnf"], "the successor stays bound")

	web := ts.tokens(ts.postToken(passwordForm("openid"), webID, webSecret, k.tokenProof(t, ts)))
	again := ts.tokens(ts.refresh(web.RefreshToken, nil))
	assert.Equal(t, "Bearer", again.TokenType, "a confidential client may refresh without a proof, and gets a Bearer token")
}

func TestDPoPNonces(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.DPoP.UseNonce = true })
	k := newDPoPKey(t)

	resp := ts.postToken(serviceForm, serviceID, serviceSecret, k.tokenProof(t, ts))
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("use_dpop_nonce", "the authorization server requires a nonce in the DPoP proof"), resp.String())
	nonce := resp.header.Get("DPoP-Nonce")
	require.NotEmpty(t, nonce)
	assert.Len(t, resp.header.Values("DPoP-Nonce"), 1)

	withNonce := map[string]any{"nonce": nonce}
	resp = ts.postToken(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "scope": {"openid"}}, webID, webSecret,
		k.proof(t, ts, "POST", ts.url(PathToken), "", withNonce))
	tok := ts.tokens(resp)
	assert.Equal(t, "DPoP", tok.TokenType)
	assert.Equal(t, nonce, resp.header.Get("DPoP-Nonce"), "a success carries the current nonce")

	uiURL := ts.url(PathUserinfo)
	ui := ts.dpopUserinfo("DPoP", tok.AccessToken, k.proof(t, ts, "GET", uiURL, tok.AccessToken, nil))
	assert.Equal(t, http.StatusUnauthorized, ui.status)
	assert.Equal(t, `DPoP realm="`+ts.issuer+`", error="use_dpop_nonce", error_description="the authorization server requires a nonce in the DPoP proof", `+dpopAlgs, ui.header.Get("WWW-Authenticate"))
	assert.Equal(t, nonce, ui.header.Get("DPoP-Nonce"))
	assert.Equal(t, http.StatusOK, ts.dpopUserinfo("DPoP", tok.AccessToken, k.proof(t, ts, "GET", uiURL, tok.AccessToken, withNonce)).status)

	// Two windows later the nonce is stale: the error carries the new one.
	ts.clk.Advance(10 * time.Minute)
	resp = ts.postToken(serviceForm, serviceID, serviceSecret, k.proof(t, ts, "POST", ts.url(PathToken), "", withNonce))
	assert.JSONEq(t, errJSON("use_dpop_nonce", "the DPoP proof's nonce is invalid or expired"), resp.String())
	fresh := resp.header.Get("DPoP-Nonce")
	assert.NotEqual(t, nonce, fresh)
	assert.Equal(t, "DPoP", ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret, k.proof(t, ts, "POST", ts.url(PathToken), "", map[string]any{"nonce": fresh}))).TokenType)
}

// TestDPoPTokensFollowTheLifecycle: revoking or expiring by client or user
// reaches DPoP-bound tokens as any other.
func TestDPoPTokensFollowTheLifecycle(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"revoke", "expire"} {
		for _, sel := range []provider.TokenSelector{{ClientID: webID}, {Username: "alice"}} {
			ts := newTestServer(t, nil)
			k := newDPoPKey(t)
			tok := ts.tokens(ts.postToken(passwordForm("openid"), webID, webSecret, k.tokenProof(t, ts)))
			ts.clk.Advance(time.Second)
			act, desc := ts.p.life.Revoke, "the access token has been revoked"
			if op == "expire" {
				act, desc = ts.p.life.Expire, "the access token expired"
			}
			_, err := act(context.Background(), sel)
			require.NoError(t, err)
			resp := ts.dpopUserinfo("DPoP", tok.AccessToken, k.proof(t, ts, "GET", ts.url(PathUserinfo), tok.AccessToken, nil))
			assert.Equal(t, http.StatusUnauthorized, resp.status, "%s %+v", op, sel)
			assert.Equal(t, `DPoP realm="`+ts.issuer+`", error="invalid_token", error_description="`+desc+`", `+dpopAlgs, resp.header.Get("WWW-Authenticate"), "%s %+v", op, sel)
			assert.Equal(t, false, ts.introspect(tok.AccessToken, "").json(t)["active"])
			if op == "revoke" {
				ts.assertRefreshDead(tok.RefreshToken)
			}
		}
	}
}

func TestDPoPDisabled(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.DPoP.Enabled = false })
	k := newDPoPKey(t)
	tok := ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret, k.tokenProof(t, ts)))
	assert.Equal(t, "Bearer", tok.TokenType, "an instance without DPoP ignores the header (RFC 9449 §5)")
	assert.NotContains(t, ts.get(PathDiscovery, nil).json(t), "dpop_signing_alg_values_supported")
	bare := ts.get(PathUserinfo, nil)
	assert.Equal(t, []string{`Bearer realm="` + ts.issuer + `"`}, bare.header.Values("WWW-Authenticate"))

	// A token minted with cnf is a bearer token where DPoP is off.
	res, err := ts.p.Mint(context.Background(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}, Claims: map[string]any{"cnf": map[string]any{"jkt": k.jkt}}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, ts.userinfo(res.AccessToken).status)

	// The admin API cannot add a client that needs DPoP here.
	ps := ts.p.editor.CheckClient(fixtures.Client{ID: "x", Secret: "s", DPoPBoundAccessTokens: true})
	assert.Equal(t, fixtures.Problems{{Path: "dpop_bound_access_tokens", Message: "DPoP is disabled on this instance (dpop.enabled)"}}, ps)
}

func TestDPoPConfig(t *testing.T) {
	t.Parallel()
	_, ps := parseConfig(json.RawMessage(`{"dpop": {"enabled": false, "signing_algs": ["HS256"], "iat_window": "0s"},
		"clients": [{"id": "c", "secret": "s", "dpop_bound_access_tokens": true}]}`))
	assert.Equal(t, fixtures.Problems{
		{Path: "dpop.signing_algs[0]", Message: `unsupported DPoP algorithm "HS256" (have [ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA])`},
		{Path: "dpop.iat_window", Message: "must be at least 1s"},
		{Path: "clients[0].dpop_bound_access_tokens", Message: "DPoP is disabled on this instance (dpop.enabled)"},
	}, ps)
}

// TestDPoPMintedWithCnf: the mint API makes a DPoP-bound token when its
// claims carry cnf, which userinfo then holds to the key.
func TestDPoPMintedWithCnf(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k := newDPoPKey(t)
	res, err := ts.p.Mint(context.Background(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid"}, Claims: map[string]any{"cnf": map[string]any{"jkt": k.jkt}}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, ts.dpopUserinfo("Bearer", res.AccessToken).status)
	ok := ts.dpopUserinfo("DPoP", res.AccessToken, k.proof(t, ts, "GET", ts.url(PathUserinfo), res.AccessToken, nil))
	assert.Equal(t, http.StatusOK, ok.status, ok.String())
}

// TestDPoPCodeBinding is RFC 9449 §10: dpop_jkt at /authorize binds the
// code to a key. Its token request needs a proof by that key; a request
// without one, or with another key's, is refused and spends nothing.
func TestDPoPCodeBinding(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k, other := newDPoPKey(t), newDPoPKey(t)
	code := ts.code(url.Values{"dpop_jkt": {k.jkt}})
	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}}

	resp := ts.postToken(redeem, webID, webSecret)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_dpop_proof", "the authorization code is bound to a DPoP key (dpop_jkt); send a DPoP proof signed with it"), resp.String())
	otherProof := other.tokenProof(t, ts)
	resp = ts.postToken(redeem, webID, webSecret, otherProof)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("invalid_dpop_proof", "the DPoP proof's key is not the one the authorization request bound the code to (dpop_jkt)"), resp.String())

	tok := ts.tokens(ts.postToken(redeem, webID, webSecret, k.tokenProof(t, ts)))
	assert.Equal(t, "DPoP", tok.TokenType, "the code survived the refused requests")
	assert.Equal(t, map[string]any{"jkt": k.jkt}, ts.verifyJWT(tok.AccessToken)["cnf"])
	assert.Equal(t, "Bearer", ts.tokens(ts.refresh(tok.RefreshToken, nil)).TokenType,
		"a confidential client's refresh tokens stay bound by its authentication alone")
	// The refused request's proof was released, not spent.
	assert.Equal(t, "DPoP", ts.tokens(ts.postToken(serviceForm, serviceID, serviceSecret, otherProof)).TokenType)

	// A dpop_jkt that is no thumbprint is redirected as invalid_request.
	loc := ts.authorize(merge(webAuthParams(), url.Values{"dpop_jkt": {"not-a-thumbprint"}}))
	assert.Equal(t, "invalid_request", loc.Query().Get("error"))
	assert.Equal(t, "dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §10)", loc.Query().Get("error_description"))
	assert.Equal(t, testStateValue, loc.Query().Get("state"))
}

// TestDPoPPushedRequestBinding is RFC 9449 §10.1: a DPoP proof sent with a
// pushed authorization request binds the code as dpop_jkt does, and the two
// must agree.
func TestDPoPPushedRequestBinding(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	k, other := newDPoPKey(t), newDPoPKey(t)
	parProof := func(key dpopKey) string { return key.proof(t, ts, http.MethodPost, ts.url(PathPAR), "", nil) }

	resp := ts.postWithProofs(PathPAR, parForm(), webID, webSecret, parProof(k))
	require.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	uri := resp.json(t)["request_uri"].(string)
	loc := ts.authorize(url.Values{"client_id": {webID}, "request_uri": {uri}})
	code := loc.Query().Get("code")
	require.NotEmpty(t, code, "%s", loc)
	redeem := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webRedirect}, "code_verifier": {parVerifier}}
	resp = ts.postToken(redeem, webID, webSecret, other.tokenProof(t, ts))
	assert.JSONEq(t, errJSON("invalid_dpop_proof", "the DPoP proof's key is not the one the authorization request bound the code to (dpop_jkt)"), resp.String())
	assert.Equal(t, "DPoP", ts.tokens(ts.postToken(redeem, webID, webSecret, k.tokenProof(t, ts))).TokenType)

	cases := []struct {
		name   string
		form   url.Values
		proofs []string
		status int
		want   string
	}{
		{"dpop_jkt names another key than the proof", merge(parForm(), url.Values{"dpop_jkt": {other.jkt}}), []string{parProof(k)}, http.StatusBadRequest,
			errJSON("invalid_request", "dpop_jkt does not match the key of the DPoP proof (RFC 9449 §10.1)")},
		{"a proof for the token endpoint", parForm(), []string{k.tokenProof(t, ts)}, http.StatusBadRequest,
			errJSON("invalid_dpop_proof", "the DPoP proof's htu does not match the request URI")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.postWithProofs(PathPAR, tc.form, webID, webSecret, tc.proofs...)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.want, resp.String())
		})
	}
	// dpop_jkt and a proof by that key agree.
	resp = ts.postWithProofs(PathPAR, merge(parForm(), url.Values{"dpop_jkt": {k.jkt}}), webID, webSecret, parProof(k))
	assert.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)

	// With server nonces, /par asks for one as the token endpoint does
	// (RFC 9449 §8), and hands the current one out with its answer.
	ns := newTestServer(t, func(c *Config) { c.DPoP.UseNonce = true })
	resp = ns.postWithProofs(PathPAR, parForm(), webID, webSecret, k.proof(t, ns, http.MethodPost, ns.url(PathPAR), "", nil))
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, errJSON("use_dpop_nonce", "the authorization server requires a nonce in the DPoP proof"), resp.String())
	nonce := resp.header.Get("DPoP-Nonce")
	require.NotEmpty(t, nonce)
	resp = ns.postWithProofs(PathPAR, parForm(), webID, webSecret, k.proof(t, ns, http.MethodPost, ns.url(PathPAR), "", map[string]any{"nonce": nonce}))
	assert.Equal(t, http.StatusCreated, resp.status, "%s", resp.body)
	assert.Equal(t, nonce, resp.header.Get("DPoP-Nonce"))
}
