package directory_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
)

func initialClients() []fixtures.Client {
	return []fixtures.Client{
		{ID: "web", Secret: "web-secret", RedirectURIs: []string{"https://a.example/cb"}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, DefaultUser: "alice"},
		{ID: "spa", Public: true, RedirectURIs: []string{"http://localhost:5173/cb"}},
	}
}

func initialUsers() []fixtures.User {
	return []fixtures.User{
		{Username: "alice", Password: "alice-pw", Subject: "sub-alice", Claims: map[string]any{"email": "alice@example.com", "groups": []any{"admins"}, "address": map[string]any{"country": "CZ"}}},
		{Username: "bob", Password: "bob-pw"},
		{Username: "carol", Password: "carol-pw", Disabled: true},
		{Username: "nopass"},
	}
}

func newDirectory() *directory.Directory {
	return directory.New(initialClients(), initialUsers())
}

func TestLookupClient(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	c, ok := d.LookupClient(t.Context(), "web")
	require.True(t, ok)
	assert.Equal(t, initialClients()[0], c)

	_, ok = d.LookupClient(t.Context(), "nobody")
	assert.False(t, ok)
	_, ok = d.LookupClient(t.Context(), "")
	assert.False(t, ok)
}

func TestLookupsReturnCopies(t *testing.T) {
	t.Parallel()
	d := newDirectory()

	c, _ := d.LookupClient(t.Context(), "web")
	c.Secret = "changed"
	c.RedirectURIs[0] = "https://evil.example/cb"
	c.GrantTypes[0] = "password"
	c.Scopes[0] = "admin"
	again, _ := d.LookupClient(t.Context(), "web")
	assert.Equal(t, initialClients()[0], again)

	u, _ := d.User("alice")
	u.Password = "changed"
	u.Claims["email"] = "mallory@example.com"
	u.Claims["groups"].([]any)[0] = "root"
	u.Claims["address"].(map[string]any)["country"] = "XX"
	againU, _ := d.User("alice")
	assert.Equal(t, initialUsers()[0], againU)

	bySub, _ := d.UserBySubject("sub-alice")
	bySub.Claims["groups"].([]any)[0] = "root"
	againU, _ = d.User("alice")
	assert.Equal(t, initialUsers()[0], againU)

	cs := d.Clients()
	cs[0].RedirectURIs[0] = "x"
	us := d.Users()
	us[0].Claims["groups"].([]any)[0] = "root"
	assert.Equal(t, []fixtures.Client{initialClients()[1], initialClients()[0]}, d.Clients())
	assert.Equal(t, initialUsers()[0], d.Users()[0])

	checked, ok := d.CheckPassword("alice", "alice-pw")
	require.True(t, ok)
	checked.Claims["groups"].([]any)[0] = "root"
	againU, _ = d.User("alice")
	assert.Equal(t, initialUsers()[0], againU)
}

func TestNewCopiesItsInput(t *testing.T) {
	t.Parallel()
	clients, users := initialClients(), initialUsers()
	d := directory.New(clients, users)
	clients[0].RedirectURIs[0] = "https://evil.example/cb"
	clients[0].ID = "renamed"
	users[0].Claims["groups"].([]any)[0] = "root"
	users[1].Password = "changed"

	c, ok := d.LookupClient(t.Context(), "web")
	require.True(t, ok)
	assert.Equal(t, initialClients()[0], c)
	u, _ := d.User("alice")
	assert.Equal(t, initialUsers()[0], u)
	_, ok = d.CheckPassword("bob", "bob-pw")
	assert.True(t, ok)

	d.Reset()
	c, _ = d.LookupClient(t.Context(), "web")
	assert.Equal(t, initialClients()[0], c, "Reset uses the copy taken at New")
}

func TestClientsAndUsersSorted(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	var ids []string
	for _, c := range d.Clients() {
		ids = append(ids, c.ID)
	}
	assert.Equal(t, []string{"spa", "web"}, ids)
	var names []string
	for _, u := range d.Users() {
		names = append(names, u.Username)
	}
	assert.Equal(t, []string{"alice", "bob", "carol", "nopass"}, names)

	empty := directory.New(nil, nil)
	assert.Empty(t, empty.Clients())
	assert.Empty(t, empty.Users())
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		username string
		password string
		wantOK   bool
	}{
		{name: "right password", username: "alice", password: "alice-pw", wantOK: true},
		{name: "other user's password", username: "alice", password: "bob-pw"},
		{name: "wrong password", username: "alice", password: "alice-PW"},
		{name: "empty password", username: "alice", password: ""},
		{name: "unknown user", username: "mallory", password: "alice-pw"},
		{name: "unknown user, empty password", username: "mallory", password: ""},
		{name: "username is case-sensitive", username: "Alice", password: "alice-pw"},
		{name: "disabled user, right password", username: "carol", password: "carol-pw"},
		{name: "user without a password cannot sign in", username: "nopass", password: ""},
	}
	d := newDirectory()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, ok := d.CheckPassword(tc.username, tc.password)
			assert.Equal(t, tc.wantOK, ok)
			if tc.wantOK {
				assert.Equal(t, tc.username, u.Username)
				return
			}
			assert.Zero(t, u, "no user data on failure")
		})
	}
}

func TestUserBySubject(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	u, ok := d.UserBySubject("sub-alice")
	require.True(t, ok)
	assert.Equal(t, "alice", u.Username)

	u, ok = d.UserBySubject("bob")
	require.True(t, ok, "the subject defaults to the username")
	assert.Equal(t, "bob", u.Username)

	_, ok = d.UserBySubject("alice")
	assert.False(t, ok, "a user with an explicit subject is not found by username")
	_, ok = d.UserBySubject("nobody")
	assert.False(t, ok)
	_, ok = d.UserBySubject("")
	assert.False(t, ok)
}

func TestPutClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		client fixtures.Client
		want   fixtures.Problems
	}{
		{name: "new confidential client", client: fixtures.Client{ID: "new", Secret: "s", DefaultUser: "bob"}},
		{name: "replace existing", client: fixtures.Client{ID: "web", Secret: "rotated"}},
		{name: "empty id", client: fixtures.Client{Secret: "s"}, want: fixtures.Problems{{Path: "clients[0].id", Message: "must not be empty"}}},
		{
			name:   "public with secret and a bad redirect",
			client: fixtures.Client{ID: "spa", Public: true, Secret: "s", RedirectURIs: []string{"/relative"}},
			want: fixtures.Problems{
				{Path: "clients[0].secret", Message: "a public client has no secret"},
				{Path: "clients[0].redirect_uris[0]", Message: "must be an absolute URI"},
			},
		},
		{name: "confidential without secret", client: fixtures.Client{ID: "web"}, want: fixtures.Problems{{Path: "clients[0].secret", Message: `a confidential client needs a secret (or set "public": true)`}}},
		{name: "unknown default user", client: fixtures.Client{ID: "new", Secret: "s", DefaultUser: "mallory"}, want: fixtures.Problems{{Path: "clients[0].default_user", Message: `no user named "mallory"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDirectory()
			before, existed := d.LookupClient(t.Context(), tc.client.ID)
			got := d.PutClient(tc.client)
			assert.Equal(t, tc.want, got)
			after, ok := d.LookupClient(t.Context(), tc.client.ID)
			if tc.want != nil {
				assert.Equal(t, existed, ok, "a rejected client changes nothing")
				assert.Equal(t, before, after)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.client, after)
		})
	}
}

func TestPutClientStoresACopy(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	c := fixtures.Client{ID: "new", Secret: "s", RedirectURIs: []string{"https://a.example/cb"}}
	require.Empty(t, d.PutClient(c))
	c.RedirectURIs[0] = "https://evil.example/cb"
	got, _ := d.LookupClient(t.Context(), "new")
	assert.Equal(t, []string{"https://a.example/cb"}, got.RedirectURIs)
}

func TestPutUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		user fixtures.User
		want fixtures.Problems
	}{
		{name: "new user", user: fixtures.User{Username: "dave", Password: "pw"}},
		{name: "new user with a subject", user: fixtures.User{Username: "dave", Password: "pw", Subject: "sub-dave"}},
		{name: "replace keeping the subject", user: fixtures.User{Username: "alice", Password: "new-pw", Subject: "sub-alice"}},
		{name: "empty username", user: fixtures.User{Password: "pw"}, want: fixtures.Problems{{Path: "username", Message: "must not be empty"}}},
		{name: "subject of another user", user: fixtures.User{Username: "dave", Subject: "sub-alice"}, want: fixtures.Problems{{Path: "subject", Message: `subject "sub-alice" belongs to user "alice"`}}},
		{name: "subject equal to another user's username", user: fixtures.User{Username: "dave", Subject: "bob"}, want: fixtures.Problems{{Path: "subject", Message: `subject "bob" belongs to user "bob"`}}},
		{name: "username equal to another user's subject", user: fixtures.User{Username: "sub-alice"}, want: fixtures.Problems{{Path: "subject", Message: `subject "sub-alice" belongs to user "alice"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDirectory()
			usersBefore := d.Users()
			got := d.PutUser(tc.user)
			assert.Equal(t, tc.want, got)
			if tc.want != nil {
				assert.Equal(t, usersBefore, d.Users(), "a rejected user changes nothing")
				return
			}
			u, ok := d.User(tc.user.Username)
			require.True(t, ok)
			assert.Equal(t, tc.user, u)
			bySub, ok := d.UserBySubject(tc.user.SubjectOrUsername())
			require.True(t, ok)
			assert.Equal(t, tc.user.Username, bySub.Username)
		})
	}
}

func TestPutUserChangingSubjectFreesTheOldOne(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	require.Empty(t, d.PutUser(fixtures.User{Username: "alice", Password: "alice-pw", Subject: "sub-alice-2"}))

	_, ok := d.UserBySubject("sub-alice")
	assert.False(t, ok, "the old subject is gone")
	u, ok := d.UserBySubject("sub-alice-2")
	require.True(t, ok)
	assert.Equal(t, "alice", u.Username)

	assert.Empty(t, d.PutUser(fixtures.User{Username: "dave", Subject: "sub-alice"}), "and may be taken by someone else")
}

func TestDeleteClient(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	assert.True(t, d.DeleteClient("web"))
	_, ok := d.LookupClient(t.Context(), "web")
	assert.False(t, ok)
	assert.False(t, d.DeleteClient("web"), "deleting twice")
	assert.False(t, d.DeleteClient("nobody"))
	assert.Len(t, d.Clients(), 1)
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	assert.True(t, d.DeleteUser("alice"))
	_, ok := d.User("alice")
	assert.False(t, ok)
	_, ok = d.UserBySubject("sub-alice")
	assert.False(t, ok, "the subject index is cleaned too")
	_, ok = d.CheckPassword("alice", "alice-pw")
	assert.False(t, ok)
	assert.False(t, d.DeleteUser("alice"), "deleting twice")
	assert.False(t, d.DeleteUser("nobody"))

	assert.Empty(t, d.PutUser(fixtures.User{Username: "dave", Subject: "sub-alice"}), "a deleted user's subject is free")
}

func TestReset(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	require.Empty(t, d.PutClient(fixtures.Client{ID: "extra", Secret: "s"}))
	require.Empty(t, d.PutClient(fixtures.Client{ID: "web", Secret: "rotated"}))
	require.True(t, d.DeleteClient("spa"))
	require.Empty(t, d.PutUser(fixtures.User{Username: "dave", Password: "pw"}))
	require.Empty(t, d.PutUser(fixtures.User{Username: "alice", Subject: "moved"}))
	require.True(t, d.DeleteUser("bob"))

	d.Reset()

	wantClients := initialClients()
	assert.Equal(t, []fixtures.Client{wantClients[1], wantClients[0]}, d.Clients())
	assert.Equal(t, initialUsers(), d.Users())
	_, ok := d.UserBySubject("moved")
	assert.False(t, ok)
	u, ok := d.UserBySubject("sub-alice")
	require.True(t, ok)
	assert.Equal(t, "alice", u.Username)
	_, ok = d.UserBySubject("dave")
	assert.False(t, ok)

	// Reset is repeatable: changes after it do not leak into the next one.
	require.True(t, d.DeleteClient("web"))
	d.Reset()
	assert.Len(t, d.Clients(), 2)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	const workers, rounds = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				name := fmt.Sprintf("u%d", w)
				switch i % 8 {
				case 0:
					assert.Empty(t, d.PutUser(fixtures.User{Username: name, Password: "pw", Subject: fmt.Sprintf("s%d-%d", w, i)}))
				case 1:
					d.CheckPassword(name, "pw")
					d.CheckPassword("alice", "alice-pw")
				case 2:
					assert.Empty(t, d.PutClient(fixtures.Client{ID: name, Secret: "s", RedirectURIs: []string{"https://a.example/cb"}}))
				case 3:
					if c, ok := d.LookupClient(t.Context(), name); ok {
						c.RedirectURIs = append(c.RedirectURIs, "x")
					}
					d.LookupClient(t.Context(), "web")
				case 4:
					d.Users()
					d.Clients()
				case 5:
					d.DeleteUser(name)
					d.DeleteClient(name)
				case 6:
					if w == 0 {
						d.Reset()
					}
					d.UserBySubject("sub-alice")
				case 7:
					if u, ok := d.User("alice"); ok {
						u.Claims["email"] = "x"
					}
				}
			}
		})
	}
	wg.Wait()

	d.Reset()
	assert.Equal(t, initialUsers(), d.Users())
}

// UserBySubject must never return a user whose subject is not the one
// asked for, however subjects change concurrently.
func TestUserBySubjectConsistentUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	d := directory.New(nil, []fixtures.User{{Username: "u", Subject: "a"}})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range 2000 {
			sub := "a"
			if i%2 == 0 {
				sub = "b"
			}
			d.PutUser(fixtures.User{Username: "u", Subject: sub})
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				for _, sub := range []string{"a", "b"} {
					if u, ok := d.UserBySubject(sub); ok && u.Subject != sub {
						t.Errorf("UserBySubject(%q) returned subject %q", sub, u.Subject)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestSubjectActive(t *testing.T) {
	d := newDirectory()
	for sub, want := range map[string]bool{
		"sub-alice": true,  // by her subject
		"alice":     false, // not her subject: she has one
		"bob":       true,  // no subject: the username stands in
		"carol":     false, // disabled
		"nobody":    false,
		"":          false,
	} {
		assert.Equal(t, want, d.SubjectActive(sub), sub)
	}
	require.True(t, d.DeleteUser("bob"))
	assert.False(t, d.SubjectActive("bob"), "deleted")
}
