package fastapi

import "net/http"

// serveMe is GET /users/me, fastapi-users' users router: the current
// active user as UserRead.
func (p *Provider) serveMe(w http.ResponseWriter, r *http.Request) error {
	u, _, _, err := p.authenticate(r.Context(), r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, accountOf(u))
	return nil
}
