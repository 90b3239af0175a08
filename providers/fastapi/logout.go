package fastapi

import (
	"net/http"
)

// serveLogout is POST /auth/jwt/logout with fastapi-users' semantics: a
// valid bearer token of an active user gives 204 with no body, anything
// else 401. fastapi-users' JWTStrategy cannot destroy a token, so by
// default the JWT stays valid until it expires; logout_revokes (and opaque
// tokens, as the database strategy deletes them) revokes the access token
// and the refresh token issued with it (with every refresh token issued
// with the same access token string: see session).
func (p *Provider) serveLogout(w http.ResponseWriter, r *http.Request) error {
	_, s, _, err := p.authenticate(r.Context(), r)
	if err != nil {
		return err
	}
	if p.cfg.LogoutRevokes || p.cfg.TokenFormat == FormatOpaque {
		if _, err := p.life.RevokeToken(r.Context(), s.facts()); err != nil {
			return err
		}
		for _, family := range s.Families {
			if err := p.life.RevokeGrant(r.Context(), family); err != nil {
				return err
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
