// Package directory holds a provider instance's clients and users, so the
// admin API can add, change and remove them while requests read them, and a
// reset can return to the configured set. Changes take one lock; reading
// a client takes none.
package directory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
)

// Directory is safe for concurrent use.
type Directory struct {
	mu sync.RWMutex
	// clients is replaced, never changed, under mu, and read without it:
	// every token request looks its client up.
	clients   atomic.Pointer[map[string]fixtures.Client]
	users     map[string]fixtures.User // by username
	bySubject map[string]string        // subject → username

	initialClients []fixtures.Client
	initialUsers   []fixtures.User
}

// New returns a directory holding clients and users; Reset returns to them.
func New(clients []fixtures.Client, users []fixtures.User) *Directory {
	d := &Directory{initialClients: cloneClients(clients), initialUsers: cloneUsers(users)}
	d.load()
	return d
}

func (d *Directory) load() {
	clients := make(map[string]fixtures.Client, len(d.initialClients))
	for _, c := range d.initialClients {
		clients[c.ID] = c.Clone()
	}
	d.clients.Store(&clients)
	d.users = make(map[string]fixtures.User, len(d.initialUsers))
	d.bySubject = make(map[string]string, len(d.initialUsers))
	for _, u := range d.initialUsers {
		d.users[u.Username] = u.Clone()
		d.bySubject[u.SubjectOrUsername()] = u.Username
	}
}

// Reset restores the configured clients and users.
func (d *Directory) Reset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.load()
}

// LookupClient implements oauth.ClientSource.
func (d *Directory) LookupClient(_ context.Context, id string) (fixtures.Client, bool) {
	c, ok := (*d.clients.Load())[id]
	if !ok {
		return fixtures.Client{}, false
	}
	return c.Clone(), true
}

// User returns a user by username.
func (d *Directory) User(username string) (fixtures.User, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u, ok := d.users[username]
	if !ok {
		return fixtures.User{}, false
	}
	return u.Clone(), true
}

// SubjectActive reports whether the user with subject sub exists and is
// not disabled: what a grant issued to that user needs before it yields
// tokens (a code, a refresh token, a device approval), without copying the
// user.
func (d *Directory) SubjectActive(sub string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	name, ok := d.bySubject[sub]
	if !ok {
		return false
	}
	u, ok := d.users[name]
	return ok && !u.Disabled
}

// UserBySubject returns a user by the subject put in "sub".
func (d *Directory) UserBySubject(sub string) (fixtures.User, bool) {
	// One read lock for both maps: between two, a concurrent PutUser could
	// hand back a user whose subject is no longer sub.
	d.mu.RLock()
	defer d.mu.RUnlock()
	name, ok := d.bySubject[sub]
	if !ok {
		return fixtures.User{}, false
	}
	u, ok := d.users[name]
	if !ok {
		return fixtures.User{}, false
	}
	return u.Clone(), true
}

// CheckPassword returns the user when username exists, is enabled and
// password matches (in constant time).
func (d *Directory) CheckPassword(username, password string) (fixtures.User, bool) {
	u, ok := d.User(username)
	if !ok {
		// Compare anyway so an unknown user costs the same as a wrong password.
		oauth.SecretEqual("authmock-no-such-user", password)
		return fixtures.User{}, false
	}
	if !oauth.SecretEqual(u.Password, password) || u.Disabled {
		return fixtures.User{}, false
	}
	return u, true
}

// Clients lists the clients sorted by id.
func (d *Directory) Clients() []fixtures.Client {
	clients := *d.clients.Load()
	out := make([]fixtures.Client, 0, len(clients))
	for _, c := range clients {
		out = append(out, c.Clone())
	}
	slices.SortFunc(out, func(a, b fixtures.Client) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Users lists the users sorted by username.
func (d *Directory) Users() []fixtures.User {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]fixtures.User, 0, len(d.users))
	for _, u := range d.users {
		out = append(out, u.Clone())
	}
	slices.SortFunc(out, func(a, b fixtures.User) int { return strings.Compare(a.Username, b.Username) })
	return out
}

// PutClient adds or replaces a client after validating it.
func (d *Directory) PutClient(c fixtures.Client) fixtures.Problems {
	d.mu.Lock()
	defer d.mu.Unlock()
	users := make([]fixtures.User, 0, len(d.users))
	for _, u := range d.users {
		users = append(users, u)
	}
	if ps := fixtures.ValidateClients([]fixtures.Client{c}, users); len(ps) > 0 {
		return ps
	}
	d.replaceClients(func(m map[string]fixtures.Client) { m[c.ID] = c.Clone() })
	return nil
}

// DeleteClient removes a client; it reports whether it existed.
func (d *Directory) DeleteClient(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := (*d.clients.Load())[id]
	if ok {
		d.replaceClients(func(m map[string]fixtures.Client) { delete(m, id) })
	}
	return ok
}

// replaceClients publishes a copy of the clients changed by change; mu is
// held.
func (d *Directory) replaceClients(change func(map[string]fixtures.Client)) {
	clients := maps.Clone(*d.clients.Load())
	change(clients)
	d.clients.Store(&clients)
}

// PutUser adds or replaces a user after validating it.
func (d *Directory) PutUser(u fixtures.User) fixtures.Problems {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ps fixtures.Problems
	if u.Username == "" {
		ps.Add("username", "must not be empty")
		return ps
	}
	if other, taken := d.bySubject[u.SubjectOrUsername()]; taken && other != u.Username {
		ps.Add("subject", "subject %q belongs to user %q", u.SubjectOrUsername(), other)
		return ps
	}
	if old, ok := d.users[u.Username]; ok {
		delete(d.bySubject, old.SubjectOrUsername())
	}
	d.users[u.Username] = u.Clone()
	d.bySubject[u.SubjectOrUsername()] = u.Username
	return nil
}

// DeleteUser removes a user; it reports whether it existed.
func (d *Directory) DeleteUser(username string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[username]
	if ok {
		delete(d.users, username)
		delete(d.bySubject, u.SubjectOrUsername())
	}
	return ok
}

func cloneClients(cs []fixtures.Client) []fixtures.Client {
	out := make([]fixtures.Client, len(cs))
	for i, c := range cs {
		out[i] = c.Clone()
	}
	return out
}

func cloneUsers(us []fixtures.User) []fixtures.User {
	out := make([]fixtures.User, len(us))
	for i, u := range us {
		out[i] = u.Clone()
	}
	return out
}

var _ oauth.ClientSource = (*Directory)(nil)

// client returns a client by id.
func (d *Directory) client(id string) (fixtures.Client, bool) {
	return d.LookupClient(context.Background(), id)
}
