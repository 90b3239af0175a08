package oidc

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// idTokenHintClaims are the claims end-session reads from id_token_hint.
type idTokenHintClaims struct {
	jwt.RegisteredClaims
	SID string `json:"sid,omitempty"`
}

// serveEndSession is RP-Initiated Logout 1.0: it ends the grant named by the
// ID token's sid, then redirects only to a post_logout_redirect_uri the
// client registered, with state, or shows a signed-out page.
func (p *Provider) serveEndSession(w http.ResponseWriter, r *http.Request) {
	params, err := authcode.Params(r, true, p.deps.MaxBody)
	if err != nil {
		p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Invalid request", Message: err.Error()})
		return
	}
	clientID := params.Get("client_id")
	var sid string
	if hint := params.Get("id_token_hint"); hint != "" {
		claims, err := p.verifyIDTokenHint(hint)
		if err != nil {
			p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Invalid request", Message: "The id_token_hint is not an ID token this server issued."})
			return
		}
		aud := ""
		if len(claims.Audience) > 0 {
			aud = claims.Audience[0]
		}
		if clientID != "" && clientID != aud {
			p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Invalid request", Message: "client_id does not match the id_token_hint."})
			return
		}
		clientID, sid = aud, claims.SID
	}
	target := params.Get("post_logout_redirect_uri")
	if target != "" {
		client, ok := p.dir.LookupClient(r.Context(), clientID)
		if clientID == "" || !ok || !slices.Contains(client.PostLogoutRedirectURIs, target) {
			p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Cannot redirect", Message: "The post_logout_redirect_uri is not registered for this client (send client_id or id_token_hint to name the client)."})
			return
		}
	}
	if err := p.life.RevokeGrant(r.Context(), sid); err != nil {
		p.log.ErrorContext(r.Context(), "ending a session failed", "error", err)
		p.renderPage(w, http.StatusInternalServerError, "error", errorPage{Title: "Server error", Message: "The session could not be ended."})
		return
	}
	if target == "" {
		p.renderPage(w, http.StatusOK, "loggedout", errorPage{Title: "Signed out", Message: "You have been signed out. You can close this window."})
		return
	}
	q := url.Values{}
	if state := params.Get("state"); state != "" {
		q.Set("state", state)
	}
	http.Redirect(w, r, oauth.AppendQuery(target, q), http.StatusFound)
}

// idTokenType is the "typ" header of the ID tokens this dialect signs; it
// keeps an access token (at+jwt) from passing as an id_token_hint.
const idTokenType = "JWT"

// verifyIDTokenHint verifies an id_token_hint. An expired ID token is still
// a fine hint (RP-Initiated Logout §2), but only its expiry is forgiven:
// golang-jwt joins every failed claim check into one error, so
// errors.Is(err, jwt.ErrTokenExpired) would also let through a wrong issuer.
// An expired hint is therefore verified again as of just before it expired,
// where every other check must pass.
func (p *Provider) verifyIDTokenHint(hint string) (*idTokenHintClaims, error) {
	opts := jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: idTokenType}
	claims := &idTokenHintClaims{}
	_, err := p.keys.Verify(hint, claims, opts)
	if !errors.Is(err, jwt.ErrTokenExpired) || claims.ExpiresAt == nil {
		return claims, err
	}
	lastLive := claims.ExpiresAt.Add(-time.Nanosecond)
	opts.Now = func() time.Time { return lastLive }
	claims = &idTokenHintClaims{}
	_, err = p.keys.Verify(hint, claims, opts)
	return claims, err
}
