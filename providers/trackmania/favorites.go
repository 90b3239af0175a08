package trackmania

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// Paging of the favourite list: length defaults to 10 and may be at most
// 100 (openplanet route reference, older revision).
const (
	defaultFavoriteLength = 10
	maxFavoriteLength     = 100
)

// favoritesKey is the store record of a user's favourites once they have
// changed; before that the configured ones apply, so a store reset brings
// them back.
func favoritesKey(accountID string) string { return "fav:" + accountID }

// favorites returns a user's favourite map uids, in the order they were
// added.
func (p *Provider) favorites(ctx context.Context, user fixtures.User) ([]string, error) {
	b, err := p.deps.Store.GetRecord(ctx, favoritesKey(user.Subject))
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return slices.Clone(p.cfg.Favorites[user.Username]), nil
	case err != nil:
		return nil, err
	}
	var uids []string
	return uids, json.Unmarshal(b, &uids)
}

// updateFavorites applies change to a user's favourites atomically.
func (p *Provider) updateFavorites(ctx context.Context, user fixtures.User, change func([]string) []string) error {
	initial := slices.Clone(p.cfg.Favorites[user.Username])
	return p.deps.Store.UpdateRecord(ctx, favoritesKey(user.Subject), func(old []byte, found bool) ([]byte, time.Time, error) {
		uids := initial
		if found {
			if err := json.Unmarshal(old, &uids); err != nil {
				return nil, time.Time{}, err
			}
		}
		b, err := json.Marshal(change(uids))
		return b, time.Time{}, err
	})
}

// serveFavorites is GET /api/user/maps/favorite?length=&offset= (scope
// read_favorite): a page of the user's favourite maps as
// {"list":[{"uid","name","author","thumbnailUrl"}]}.
func (p *Provider) serveFavorites(w http.ResponseWriter, r *http.Request) error {
	user, err := p.authenticateUser(r, ScopeReadFavorite)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	length, err := intParam(q.Get("length"), "length", defaultFavoriteLength, 1, maxFavoriteLength)
	if err != nil {
		return err
	}
	offset, err := intParam(q.Get("offset"), "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	uids, err := p.favorites(r.Context(), user)
	if err != nil {
		return err
	}
	list := []Map{}
	for i := offset; i < len(uids) && len(list) < length; i++ {
		if m, ok := p.maps[uids[i]]; ok {
			list = append(list, m)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string][]Map{"list": list})
	return nil
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(raw, name string, def, lo, hi int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, oauth.InvalidRequest("%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// serveFavoriteAdd is POST /api/user/maps/favorite/add with {"uid":"…"}
// (scope write_favorite): 204, and the map joins the end of the list;
// adding a favourite again changes nothing.
func (p *Provider) serveFavoriteAdd(w http.ResponseWriter, r *http.Request) error {
	return p.changeFavorite(w, r, func(uids []string, uid string) []string {
		if slices.Contains(uids, uid) {
			return uids
		}
		return append(uids, uid)
	})
}

// serveFavoriteRemove is POST /api/user/maps/favorite/remove with
// {"uid":"…"} (scope write_favorite): 204, also when the map was not a
// favourite.
func (p *Provider) serveFavoriteRemove(w http.ResponseWriter, r *http.Request) error {
	return p.changeFavorite(w, r, func(uids []string, uid string) []string {
		return slices.DeleteFunc(uids, func(u string) bool { return u == uid })
	})
}

func (p *Provider) changeFavorite(w http.ResponseWriter, r *http.Request, change func([]string, string) []string) error {
	user, err := p.authenticateUser(r, ScopeWriteFavorite)
	if err != nil {
		return err
	}
	uid, err := p.readUID(r)
	if err != nil {
		return err
	}
	if _, ok := p.maps[uid]; !ok {
		return oauth.InvalidRequest("no map with uid %q", uid)
	}
	if err := p.updateFavorites(r.Context(), user, func(uids []string) []string { return change(uids, uid) }); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// readUID reads the map uid of a favourite change: a JSON body
// {"uid":"…"} as documented, or a form body uid=…, which the PHP server
// behind the real API reads the same way.
func (p *Provider) readUID(r *http.Request) (string, error) {
	isJSON, isForm := httpx.IsMediaType(r, "application/json"), httpx.IsMediaType(r, "application/x-www-form-urlencoded")
	if !isJSON && !isForm {
		return "", oauth.InvalidRequest(`the body must be JSON {"uid":"…"}`)
	}
	if isForm {
		form, err := oauth.ReadForm(r, p.deps.MaxBody)
		if err != nil {
			return "", err
		}
		if uid := form.Get("uid"); uid != "" {
			return uid, nil
		}
		return "", oauth.InvalidRequest("uid is required")
	}
	body, err := httpx.ReadBody(r, p.deps.MaxBody)
	switch {
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return "", oauth.InvalidRequest("the request body is too large").WithStatus(http.StatusRequestEntityTooLarge)
	case err != nil:
		return "", oauth.InvalidRequest("the request body could not be read").WithCause(err)
	}
	var in struct {
		UID *string `json:"uid"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil || dec.More() {
		return "", oauth.InvalidRequest(`the body must be JSON {"uid":"…"}`)
	}
	if in.UID == nil || *in.UID == "" {
		return "", oauth.InvalidRequest("uid is required")
	}
	return *in.UID, nil
}
