package trackmania

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// maxDisplayNameIDs is how many accountIds one display-names request may
// name (openplanet route reference).
const maxDisplayNameIDs = 50

// serveUser is GET /api/user: the signed-in user's accountId and
// displayName. Any user token will do (the empty scope is enough).
func (p *Provider) serveUser(w http.ResponseWriter, r *http.Request) error {
	user, err := p.authenticateUser(r)
	if err != nil {
		return err
	}
	body := map[string]string{"accountId": user.Subject, "displayName": displayName(user)}
	if p.cfg.SnakeCaseUser {
		body = map[string]string{"account_id": user.Subject, "display_name": displayName(user)}
	}
	httpx.WriteJSON(w, http.StatusOK, body)
	return nil
}

// serveDisplayNames is GET /api/display-names?accountId[]=…: the display
// name of each known accountId, as {"<accountId>":"<displayName>"}. It
// works with client-credentials tokens too; unknown ids are left out.
func (p *Provider) serveDisplayNames(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := p.authenticate(r); err != nil {
		return err
	}
	ids, err := arrayParam(r.URL.RawQuery, "accountId")
	if err != nil {
		return err
	}
	if len(ids) > maxDisplayNameIDs {
		return oauth.InvalidRequest("at most %d accountId[] values are allowed", maxDisplayNameIDs)
	}
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if !isUUID(id) {
			return oauth.InvalidRequest("accountId[] values must be account ids (UUIDs)")
		}
		if u, ok := p.dir.UserBySubject(id); ok {
			out[id] = displayName(u)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// serveAccountIDs is GET /api/display-names/account-ids?displayName[]=…:
// the accountId of each known display name, as
// {"<displayName>":"<accountId>"}; names match exactly.
func (p *Provider) serveAccountIDs(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := p.authenticate(r); err != nil {
		return err
	}
	names, err := arrayParam(r.URL.RawQuery, "displayName")
	if err != nil {
		return err
	}
	if len(names) > maxDisplayNameIDs {
		return oauth.InvalidRequest("at most %d displayName[] values are allowed", maxDisplayNameIDs)
	}
	byName := map[string]string{}
	for _, u := range p.dir.Users() {
		byName[displayName(u)] = u.Subject
	}
	out := make(map[string]string, len(names))
	for _, name := range names {
		if id, ok := byName[name]; ok {
			out[name] = id
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// arrayParam reads a PHP-style array parameter from a query: name[]=a and
// name[0]=a both add to the list, as the PHP server behind the real API
// parses them (axios sends the first form, qs the second). The values come
// back without duplicates; a bare name=a is not a list and is refused.
func arrayParam(rawQuery, name string) ([]string, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, oauth.InvalidRequest("the query string is not valid URL encoding")
	}
	if _, bare := q[name]; bare {
		return nil, oauth.InvalidRequest("%s must be sent as an array: %s[]=…", name, name)
	}
	var out []string
	seen := map[string]bool{}
	for _, key := range sortedKeys(q) {
		index, ok := strings.CutPrefix(key, name+"[")
		if !ok || !strings.HasSuffix(index, "]") || !isArrayIndex(strings.TrimSuffix(index, "]")) {
			continue
		}
		for _, v := range q[key] {
			if v == "" {
				return nil, oauth.InvalidRequest("%s[] values must not be empty", name)
			}
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	if len(out) == 0 {
		return nil, oauth.InvalidRequest("%s[] is required", name)
	}
	return out, nil
}

// isArrayIndex accepts what may stand between the brackets: nothing
// (append) or a decimal index.
func isArrayIndex(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) <= 9
}
