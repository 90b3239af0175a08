package trackmania

import (
	"net/http"
	"slices"

	"github.com/authmock/authmock/internal/httpx"
)

// clubView is a club as /api/user/clubs/admin lists it.
type clubView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// serveClubsAdmin is GET /api/user/clubs/admin (scope clubs): the clubs
// the signed-in user administers, as {"clubs":[{"id","name"}]}.
func (p *Provider) serveClubsAdmin(w http.ResponseWriter, r *http.Request) error {
	user, err := p.authenticateUser(r, ScopeClubs)
	if err != nil {
		return err
	}
	clubs := []clubView{} // [] rather than null for a user with none
	for _, c := range p.cfg.Clubs {
		if slices.Contains(c.Admins, user.Username) {
			clubs = append(clubs, clubView{ID: c.ID, Name: c.Name})
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string][]clubView{"clubs": clubs})
	return nil
}
