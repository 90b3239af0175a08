package oidc

import (
	"net/http"
	"net/url"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
)

// introspection is the RFC 7662 §2.2 response. An inactive token reveals
// nothing but active:false.
type introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Username  string   `json:"username,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Nbf       int64    `json:"nbf,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	Jti       string   `json:"jti,omitempty"`
	// Cnf is the key a DPoP-bound token is bound to (RFC 9449 §6.2).
	Cnf *confirmation `json:"cnf,omitempty"`
}

// serveIntrospect is the RFC 7662 introspection endpoint. The caller must
// authenticate as a confidential client.
func (p *Provider) serveIntrospect(w http.ResponseWriter, r *http.Request) error {
	form, _, err := p.readAuthenticatedForm(w, r, false)
	if err != nil {
		return err
	}
	token := form.Get("token")
	if token == "" {
		return oauth.InvalidRequest("token is required")
	}
	var out introspection
	if form.Get("token_type_hint") == oauth.HintRefreshToken {
		out = p.introspectRefresh(r, token)
		if !out.Active {
			out = p.introspectAccess(r, token)
		}
	} else {
		out = p.introspectAccess(r, token)
		if !out.Active {
			out = p.introspectRefresh(r, token)
		}
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (p *Provider) introspectAccess(r *http.Request, token string) introspection {
	claims, err := p.verifyAccessToken(r.Context(), token)
	if err != nil {
		return introspection{}
	}
	out := introspection{
		Active: true, Scope: claims.Scope, ClientID: claims.ClientID, TokenType: "Bearer",
		Sub: claims.Subject, Aud: claims.Audience, Iss: claims.Issuer, Jti: claims.ID,
	}
	if claims.Cnf != nil {
		out.TokenType, out.Cnf = "DPoP", claims.Cnf
	}
	if claims.ExpiresAt != nil {
		out.Exp = claims.ExpiresAt.Unix()
	}
	if claims.IssuedAt != nil {
		out.Iat = claims.IssuedAt.Unix()
	}
	if claims.NotBefore != nil {
		out.Nbf = claims.NotBefore.Unix()
	}
	if u, ok := p.dir.UserBySubject(claims.Subject); ok {
		out.Username = u.Username
	}
	return out
}

func (p *Provider) introspectRefresh(r *http.Request, token string) introspection {
	rec, err := p.deps.Store.LookupRefresh(r.Context(), token)
	if err != nil {
		return introspection{}
	}
	if st, err := p.life.Check(r.Context(), lifecycle.RefreshFacts(rec)); err != nil || st != lifecycle.Live {
		return introspection{}
	}
	out := introspection{
		Active: true, Scope: oauth.FormatScope(rec.Grant.Scopes), ClientID: rec.Grant.ClientID,
		Username: rec.Grant.Username, TokenType: "refresh_token", Sub: rec.Grant.Subject,
		Iat: rec.IssuedAt.Unix(), Iss: p.deps.Issuer,
	}
	if !rec.ExpiresAt.IsZero() {
		out.Exp = rec.ExpiresAt.Unix()
	}
	if jkt := rec.Grant.Extra[extraJKT]; jkt != "" {
		out.Cnf = &confirmation{JKT: jkt}
	}
	return out
}

// serveRevoke is the RFC 7009 revocation endpoint: 200 whether or not the
// token was known; revoking a refresh token revokes its whole grant.
func (p *Provider) serveRevoke(w http.ResponseWriter, r *http.Request) error {
	form, client, err := p.readAuthenticatedForm(w, r, true)
	if err != nil {
		return err
	}
	token := form.Get("token")
	if token == "" {
		return oauth.InvalidRequest("token is required")
	}
	// A hint only orders the search (RFC 7009 §2.1); both kinds are tried.
	if rec, err := p.deps.Store.LookupRefresh(r.Context(), token); err == nil {
		if rec.Grant.ClientID != client.Client.ID {
			return oauth.UnauthorizedClient("the token was issued to another client")
		}
		if _, err := p.life.RevokeToken(r.Context(), lifecycle.RefreshFacts(rec)); err != nil {
			return err
		}
	} else if claims, verr := p.verifyAccessToken(r.Context(), token); verr == nil {
		if claims.ClientID != client.Client.ID {
			return oauth.UnauthorizedClient("the token was issued to another client")
		}
		if f, ok := p.accessFacts(claims); ok {
			if _, err := p.life.RevokeToken(r.Context(), f); err != nil {
				return err
			}
		}
	}
	httpx.NoStore(w)
	w.WriteHeader(http.StatusOK)
	return nil
}

// readAuthenticatedForm is oauth.ReadClientRequest; public clients may
// revoke their own tokens but not introspect.
func (p *Provider) readAuthenticatedForm(w http.ResponseWriter, r *http.Request, allowPublic bool) (url.Values, oauth.AuthenticatedClient, error) {
	form, client, err := oauth.ReadClientRequest(w, r, p.dir, p.deps.MaxBody, "this endpoint")
	if err == nil && client.Method == oauth.AuthNone && !allowPublic {
		err = oauth.InvalidClient("introspection requires client authentication")
	}
	return form, client, err
}
