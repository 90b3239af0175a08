package oidc

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/jwtutil"
)

const (
	notRegisteredLogout = "The post_logout_redirect_uri is not registered for this client (send client_id or id_token_hint to name the client)."
	badHint             = "The id_token_hint is not an ID token this server issued."
)

func TestEndSessionSignedOutPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			var resp response
			if method == http.MethodGet {
				resp = ts.get(PathEndSession, nil)
			} else {
				resp = ts.postForm(PathEndSession, url.Values{}, "", "")
			}
			assertPage(t, resp, http.StatusOK, "You have been signed out. You can close this window.")
		})
	}
}

func TestEndSessionRedirect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		params  func(tok tokenSet) url.Values
		advance time.Duration
		target  string // expected Location
		revokes bool
	}{
		{
			name: "hint, registered URI and state",
			params: func(tok tokenSet) url.Values {
				return url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {webPostLogout}, "state": {"bye-1"}}
			},
			target: webPostLogout + "?state=bye-1", revokes: true,
		},
		{
			name: "hint and registered URI without state",
			params: func(tok tokenSet) url.Values {
				return url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {webPostLogout}}
			},
			target: webPostLogout, revokes: true,
		},
		{
			name: "hint with the matching client_id",
			params: func(tok tokenSet) url.Values {
				return url.Values{"id_token_hint": {tok.IDToken}, "client_id": {webID}, "post_logout_redirect_uri": {webPostLogout}, "state": {"s"}}
			},
			target: webPostLogout + "?state=s", revokes: true,
		},
		{
			name: "expired hint is still accepted",
			params: func(tok tokenSet) url.Values {
				return url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {webPostLogout}, "state": {"late"}}
			},
			advance: 2 * time.Hour,
			target:  webPostLogout + "?state=late", revokes: true,
		},
		{
			name: "client_id instead of a hint",
			params: func(tokenSet) url.Values {
				return url.Values{"client_id": {webID}, "post_logout_redirect_uri": {webPostLogout}, "state": {"s"}}
			},
			target: webPostLogout + "?state=s",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.codeFlow(nil)
			ts.clk.Advance(tc.advance)
			resp := ts.get(PathEndSession, tc.params(tok))
			require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
			assert.Equal(t, tc.target, resp.header.Get("Location"))
			if tc.revokes {
				ts.assertRefreshDead(tok.RefreshToken)
				if tc.advance < time.Hour {
					ts.assertAccessDead(tok.AccessToken)
				}
			} else {
				ts.tokens(ts.refresh(tok.RefreshToken, nil))
			}
		})
	}
}

func TestEndSessionHintOnly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	other := ts.codeFlow(nil)
	resp := ts.postForm(PathEndSession, url.Values{"id_token_hint": {tok.IDToken}}, "", "")
	assertPage(t, resp, http.StatusOK, "You have been signed out.")
	ts.assertRefreshDead(tok.RefreshToken)
	ts.assertAccessDead(tok.AccessToken)
	// Only the session the hint names ends.
	ts.tokens(ts.refresh(other.RefreshToken, nil))
}

func TestEndSessionErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	tok := ts.codeFlow(nil)
	_, idClaims := decodeJWT(t, tok.IDToken)

	forger, err := jwtutil.GenerateKey(jwtutil.RS256)
	require.NoError(t, err)
	forgerSet, err := jwtutil.NewKeySet(forger.WithKID(demoRS256KID))
	require.NoError(t, err)
	forged, err := forgerSet.Sign(jwt.MapClaims(idClaims))
	require.NoError(t, err)

	// Signed with the instance's own key but for another issuer (two
	// instances sharing a demo key), and already expired: expiry is
	// forgiven for hints, the issuer is not.
	foreign := jwt.MapClaims{}
	for k, v := range idClaims {
		foreign[k] = v
	}
	foreign["iss"] = "https://other.example.com/oidc"
	foreign["iat"] = t0.Add(-2 * time.Hour).Unix()
	foreign["exp"] = t0.Add(-time.Hour).Unix()
	foreignExpired, err := ts.p.keys.Sign(foreign)
	require.NoError(t, err)

	tests := []struct {
		name     string
		params   url.Values
		contains string
	}{
		{
			name:     "unregistered URI",
			params:   url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {"https://evil.example/bye"}},
			contains: notRegisteredLogout,
		},
		{
			name:     "URI registered for another client",
			params:   url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {spaPostLogout}},
			contains: notRegisteredLogout,
		},
		{
			name:     "URI with an extra query",
			params:   url.Values{"id_token_hint": {tok.IDToken}, "post_logout_redirect_uri": {webPostLogout + "?x=1"}},
			contains: notRegisteredLogout,
		},
		{
			name:     "URI without client_id or hint",
			params:   url.Values{"post_logout_redirect_uri": {webPostLogout}, "state": {"s"}},
			contains: notRegisteredLogout,
		},
		{
			name:     "URI with an unknown client_id",
			params:   url.Values{"client_id": {"nobody"}, "post_logout_redirect_uri": {webPostLogout}},
			contains: notRegisteredLogout,
		},
		{
			name:     "client_id mismatching the hint",
			params:   url.Values{"id_token_hint": {tok.IDToken}, "client_id": {spaID}, "post_logout_redirect_uri": {spaPostLogout}},
			contains: "client_id does not match the id_token_hint.",
		},
		{
			name:     "forged hint",
			params:   url.Values{"id_token_hint": {forged}, "post_logout_redirect_uri": {webPostLogout}},
			contains: badHint,
		},
		{
			name:     "garbage hint",
			params:   url.Values{"id_token_hint": {"not.a.jwt"}},
			contains: badHint,
		},
		{
			name:     "expired hint of another issuer",
			params:   url.Values{"id_token_hint": {foreignExpired}, "post_logout_redirect_uri": {webPostLogout}},
			contains: badHint,
		},
		{
			name:     "access token as hint",
			params:   url.Values{"id_token_hint": {tok.AccessToken}, "post_logout_redirect_uri": {webPostLogout}},
			contains: badHint,
		},
		{
			name:     "duplicate parameter",
			params:   url.Values{"state": {"a", "b"}},
			contains: `parameter "state" was sent more than once`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertPage(t, ts.get(PathEndSession, tc.params), http.StatusBadRequest, tc.contains)
		})
	}
	// No failed logout ended the session.
	assert.Equal(t, http.StatusOK, ts.userinfo(tok.AccessToken).status)
	ts.tokens(ts.refresh(tok.RefreshToken, nil))
}
