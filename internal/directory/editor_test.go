package directory_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/provider"
)

func newEditor(revoked *[]provider.TokenSelector) *directory.Editor {
	d := directory.New(
		[]fixtures.Client{{ID: "web", Secret: "web-secret", RedirectURIs: []string{"https://app.example/cb"}, DefaultUser: "alice"}},
		[]fixtures.User{{Username: "alice", Password: "alice-pw"}, {Username: "bob", Password: "bob-pw"}},
	)
	return &directory.Editor{
		Dir: d,
		CheckUser: func(u fixtures.User) fixtures.Problems {
			var ps fixtures.Problems
			if u.Password == "" {
				ps.Add("password", "this dialect signs users in with a password")
			}
			return ps
		},
		Revoke: func(_ context.Context, sel provider.TokenSelector) error {
			*revoked = append(*revoked, sel)
			return nil
		},
	}
}

func TestEditorListGetPutDelete(t *testing.T) {
	ctx := context.Background()
	var revoked []provider.TokenSelector
	e := newEditor(&revoked)
	var _ provider.FixtureEditor = e
	assert.Equal(t, []string{"clients", "users"}, e.FixtureKinds())

	users, err := e.ListFixtures(ctx, "users")
	require.NoError(t, err)
	require.Len(t, users, 2)
	assert.JSONEq(t, `{"username":"alice","password":"alice-pw"}`, string(users[0]))

	created, err := e.PutFixture(ctx, "users", "carol", json.RawMessage(`{"password":"carol-pw","claims":{"email":"carol@example.com"}}`))
	require.NoError(t, err)
	assert.True(t, created, "the username comes from the path")
	got, err := e.GetFixture(ctx, "users", "carol")
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"carol","password":"carol-pw","claims":{"email":"carol@example.com"}}`, string(got))

	created, err = e.PutFixture(ctx, "users", "carol", json.RawMessage(`{"username":"carol","password":"new-pw"}`))
	require.NoError(t, err)
	assert.False(t, created, "a second put replaces")
	u, ok := e.Dir.CheckPassword("carol", "new-pw")
	require.True(t, ok)
	assert.Empty(t, u.Claims, "a put replaces the whole item")

	created, err = e.PutFixture(ctx, "clients", "cli", json.RawMessage(`{"secret":"s","redirect_uris":["https://cli.example/cb"]}`))
	require.NoError(t, err)
	assert.True(t, created)
	_, ok = e.Dir.LookupClient(ctx, "cli")
	assert.True(t, ok)

	require.NoError(t, e.DeleteFixture(ctx, "clients", "cli"))
	require.NoError(t, e.DeleteFixture(ctx, "users", "carol"))
	assert.Equal(t, []provider.TokenSelector{{ClientID: "cli"}, {Username: "carol"}}, revoked, "deleting revokes the tokens")
	_, err = e.GetFixture(ctx, "users", "carol")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
}

func TestEditorRefusesBadItemsAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	var revoked []provider.TokenSelector
	e := newEditor(&revoked)
	tests := []struct {
		name, kind, id, item, path string
	}{
		{"unknown field", "users", "dave", `{"password":"pw","pasword":"typo"}`, ""},
		{"not JSON", "users", "dave", `{"password":`, ""},
		{"two values", "users", "dave", `{"password":"pw"} {}`, ""},
		{"id not UTF-8", "users", "\x9e", `{"password":"pw"}`, "username"},
		{"path and body disagree", "users", "dave", `{"username":"erin","password":"pw"}`, "username"},
		{"dialect rule", "users", "dave", `{}`, "password"},
		{"subject taken", "users", "dave", `{"password":"pw","subject":"alice"}`, "subject"},
		{"confidential client without a secret", "clients", "cli", `{"redirect_uris":["https://cli.example/cb"]}`, "secret"},
		{"bad redirect uri", "clients", "cli", `{"secret":"s","redirect_uris":["/relative"]}`, "redirect_uris[0]"},
		{"unknown default user", "clients", "cli", `{"secret":"s","default_user":"nobody"}`, "default_user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.PutFixture(ctx, tc.kind, tc.id, json.RawMessage(tc.item))
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			require.NotEmpty(t, fe.Problems)
			assert.Equal(t, tc.path, fe.Problems[0].Path, "%v", fe.Problems)
			_, err = e.GetFixture(ctx, tc.kind, tc.id)
			assert.ErrorIs(t, err, provider.ErrNoFixture, "nothing was added")
		})
	}

	err := e.DeleteFixture(ctx, "users", "alice")
	var fe *provider.FixtureError
	require.ErrorAs(t, err, &fe, "web names alice as its default user")
	_, err = e.GetFixture(ctx, "users", "alice")
	require.NoError(t, err, "alice is still there")

	assert.ErrorIs(t, e.DeleteFixture(ctx, "users", "nobody"), provider.ErrNoFixture)
	assert.ErrorIs(t, e.DeleteFixture(ctx, "clouds", "1"), provider.ErrNoFixture)
	_, err = e.ListFixtures(ctx, "clouds")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
	assert.Empty(t, revoked)
}

func TestEditorWithoutClients(t *testing.T) {
	ctx := context.Background()
	e := &directory.Editor{Dir: directory.New(nil, nil), NoClients: true}
	assert.Equal(t, []string{"users"}, e.FixtureKinds())
	_, err := e.PutFixture(ctx, "clients", "x", json.RawMessage(`{"secret":"s"}`))
	assert.ErrorIs(t, err, provider.ErrNoFixture)
}
