package oidc

import (
	"net/http"
	"slices"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// serveUserinfo returns the claims of the token's user released by its
// scopes (OIDC Core §5.3). Errors follow RFC 6750 §3.1.
func (p *Provider) serveUserinfo(w http.ResponseWriter, r *http.Request) (err error) {
	claims, proof, err := p.accessFromRequest(r, PathUserinfo)
	if err != nil {
		return err
	}
	defer func() { p.releaseProof(r.Context(), proof, err) }()
	scopes := oauth.ParseScope(claims.Scope)
	if !slices.Contains(scopes, "openid") {
		return oauth.InsufficientScope("the access token lacks the openid scope")
	}
	user, ok := p.dir.UserBySubject(claims.Subject)
	if !ok {
		return oauth.InvalidToken("the token's user no longer exists")
	}
	body := userClaims(user, scopes)
	body["sub"] = claims.Subject
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, body)
	return nil
}

// bearerFromRequest takes the access token from the Authorization header
// or, for a form POST, from the access_token body parameter (RFC 6750 §2.2);
// sending both is invalid_request (§2).
func (p *Provider) bearerFromRequest(r *http.Request) (string, error) {
	header, hasHeader := httpx.BearerToken(r)
	if r.Method == http.MethodPost && httpx.IsMediaType(r, "application/x-www-form-urlencoded") {
		form, err := oauth.ReadForm(r, p.deps.MaxBody)
		if err != nil {
			return "", err
		}
		if body := form.Get("access_token"); body != "" {
			if hasHeader {
				return "", oauth.InvalidRequest("the access token was sent in more than one way")
			}
			return body, nil
		}
	}
	if !hasHeader {
		return "", oauth.MissingToken(p.deps.Issuer)
	}
	return header, nil
}
