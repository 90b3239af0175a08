package dotypos

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

// snapshot is every fixture of the instance, as the admin API lists them.
func (ts *testServer) snapshot() map[string][]string {
	ts.tb.Helper()
	out := map[string][]string{}
	for _, kind := range ts.p.FixtureKinds() {
		items, err := ts.p.ListFixtures(ts.tb.Context(), kind)
		require.NoError(ts.tb, err)
		for _, it := range items {
			out[kind] = append(out[kind], string(it))
		}
	}
	return out
}

func (ts *testServer) getFixture(kind, id string) string {
	ts.tb.Helper()
	b, err := ts.p.GetFixture(ts.tb.Context(), kind, id)
	require.NoError(ts.tb, err)
	return string(b)
}

func (ts *testServer) putFixture(kind, id, item string) bool {
	ts.tb.Helper()
	created, err := ts.p.PutFixture(ts.tb.Context(), kind, id, json.RawMessage(item))
	require.NoError(ts.tb, err)
	return created
}

func TestFixtureKinds(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	assert.Equal(t, []string{"clients", "users", "clouds"}, ts.p.FixtureKinds())
	ctx := t.Context()
	_, err := ts.p.ListFixtures(ctx, "keys")
	require.ErrorIs(t, err, provider.ErrNoFixture)
	_, err = ts.p.GetFixture(ctx, "keys", "x")
	require.ErrorIs(t, err, provider.ErrNoFixture)
	_, err = ts.p.PutFixture(ctx, "keys", "x", json.RawMessage(`{}`))
	require.ErrorIs(t, err, provider.ErrNoFixture)
	require.ErrorIs(t, ts.p.DeleteFixture(ctx, "keys", "x"), provider.ErrNoFixture)
}

func TestFixtureClients(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	const newApp = `{"id":"new-app","secret":"new-secret","name":"New","redirect_uris":["https://new.example.com/cb"],"default_user":"bob"}`
	newQuery := url.Values{"client_id": {"new-app"}, "client_secret": {"new-secret"}, "scope": {"*"}, "redirect_uri": {"https://new.example.com/cb"}}

	assertErrorPage(t, ts.connect(newQuery), http.StatusForbidden, errClient.message)
	assert.True(t, ts.putFixture("clients", "new-app", newApp), "created")
	assert.JSONEq(t, newApp, ts.getFixture("clients", "new-app"))
	list, err := ts.p.ListFixtures(t.Context(), "clients")
	require.NoError(t, err)
	require.Len(t, list, 5)
	assert.JSONEq(t, newApp, string(list[2]), "sorted by id: carol-app, dave-app, new-app, other-app, pos-sync")

	// The new client connects at once, as its default user.
	refresh, cloud := ts.connectToken(newQuery)
	assert.Equal(t, "555", cloud)
	access := ts.signinToken(refresh, `{"_cloudId":555}`)
	assertAccessWorks(t, ts, access, "the new client's token")

	// A changed secret works at once; the old one no longer does.
	assert.False(t, ts.putFixture("clients", "new-app", `{"secret":"rotated","redirect_uris":["https://new.example.com/cb"],"default_user":"bob"}`), "replaced")
	assertErrorPage(t, ts.connect(newQuery), http.StatusForbidden, errClient.message)
	newQuery.Set("client_secret", "rotated")
	_, _ = ts.connectToken(newQuery)
	// A client's ttl applies to the next signin.
	ts.putFixture("clients", "new-app", `{"secret":"rotated","redirect_uris":["https://new.example.com/cb"],"default_user":"bob","access_token_ttl":"5m"}`)
	short := ts.signinToken(refresh, `{}`)
	assert.Equal(t, float64(t0.Unix()+300), ts.claimsOf(short)["exp"])

	// Deleting the client revokes its tokens, with the dialect's errors.
	require.NoError(t, ts.p.DeleteFixture(t.Context(), "clients", "new-app"))
	assertAccessFails(t, ts, access, http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, "the deleted client's access token")
	assertRefreshFails(t, ts, refresh, msgRefreshRevoked, "the deleted client's refresh token")
	assertErrorPage(t, ts.connect(newQuery), http.StatusForbidden, errClient.message)
	_, err = ts.p.GetFixture(t.Context(), "clients", "new-app")
	require.ErrorIs(t, err, provider.ErrNoFixture)
	require.ErrorIs(t, ts.p.DeleteFixture(t.Context(), "clients", "new-app"), provider.ErrNoFixture)

	// Putting it back does not bring the old tokens back.
	ts.putFixture("clients", "new-app", newApp)
	assertRefreshFails(t, ts, refresh, msgRefreshRevoked, "a revoked refresh token of a client put back")
}

func TestFixtureItemsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, kind, id, item string
		want                 fixtures.Problems
	}{
		{"a public client", "clients", "x", `{"public":true,"redirect_uris":["https://x.example.com/cb"]}`,
			fixtures.Problems{{Path: "public", Message: "a Dotypos client application always has a secret"}}},
		{"a client ttl under 1s", "clients", "x", `{"secret":"s","access_token_ttl":"1ms"}`,
			fixtures.Problems{{Path: "access_token_ttl", Message: "must be at least 1s"}}},
		{"a client without a secret", "clients", "x", `{}`,
			fixtures.Problems{{Path: "secret", Message: `a confidential client needs a secret (or set "public": true)`}}},
		{"a client's unknown default user", "clients", "x", `{"secret":"s","default_user":"ghost"}`,
			fixtures.Problems{{Path: "default_user", Message: `no user named "ghost"`}}},
		{"a client renamed", "clients", posID, `{"id":"renamed","secret":"s"}`,
			fixtures.Problems{{Path: "id", Message: `is "renamed" but the path names "pos-sync"`}}},
		{"a client id that is not UTF-8", "clients", "\x9e", `{"secret":"s"}`,
			fixtures.Problems{{Path: "id", Message: "must be valid UTF-8"}}},
		{"a username that is not UTF-8", "users", "\xff", `{}`,
			fixtures.Problems{{Path: "username", Message: "must be valid UTF-8"}}},
		{"a client's unknown member", "clients", "x", `{"secret":"s","colour":"red"}`,
			fixtures.Problems{{Message: `json: unknown field "colour"`}}},
		{"a user's unknown and repeated clouds, and another username", "users", "alice", `{"username":"alicia","user_clouds":[555,42,555]}`,
			fixtures.Problems{
				{Path: "user_clouds[1]", Message: "no cloud with id 42 in clouds"},
				{Path: "user_clouds[2]", Message: "cloud 555 is listed twice"},
				{Path: "username", Message: `is "alicia" but the path names "alice"`},
			}},
		{"a user with another's subject", "users", "bob", `{"subject":"alice-0001"}`,
			fixtures.Problems{{Path: "subject", Message: `subject "alice-0001" belongs to user "alice"`}}},
		{"a user's clouds as a map", "users", "bob", `{"user_clouds":{"555":true}}`,
			fixtures.Problems{{Message: "json: cannot unmarshal object into Go struct field userItem.user_clouds of type []int64"}}},
		{"a user's unknown member", "users", "bob", `{"clouds":[555]}`,
			fixtures.Problems{{Message: `json: unknown field "clouds"`}}},
		{"a cloud with another id", "clouds", "555", `{"id":556,"name":"x"}`,
			fixtures.Problems{{Path: "id", Message: "is 556 but the path names 555"}}},
		{"a cloud with another id and no name", "clouds", "43", `{"id":44,"name":""}`,
			fixtures.Problems{{Path: "id", Message: "is 44 but the path names 43"}, {Path: "name", Message: "must not be empty"}}},
		{"a cloud path that is not an id", "clouds", "0555", `{"name":"x"}`,
			fixtures.Problems{{Path: "id", Message: `the path names "0555", which is not a cloud id (a positive 32-bit integer, no leading zero)`}}},
		{"a cloud id out of range", "clouds", "2147483648", `{"name":"x"}`,
			fixtures.Problems{{Path: "id", Message: `the path names "2147483648", which is not a cloud id (a positive 32-bit integer, no leading zero)`}}},
		{"a cloud breaking the entity's limits", "clouds", "555", `{"name":"","country":"CZEC","1ClickId":4294967296}`,
			fixtures.Problems{
				{Path: "name", Message: "must not be empty"},
				{Path: "country", Message: "must be at most 3 characters"},
				{Path: "1ClickId", Message: "must be a 32-bit integer"},
			}},
		{"a cloud id as a string", "clouds", "555", `{"id":"555","name":"x"}`,
			fixtures.Problems{{Message: "json: cannot unmarshal string into Go struct field Cloud.id of type int64"}}},
		{"two JSON values", "clouds", "555", `{"name":"x"} {}`,
			fixtures.Problems{{Message: "more than one JSON value"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			before := ts.snapshot()
			_, err := ts.p.PutFixture(t.Context(), tc.kind, tc.id, json.RawMessage(tc.item))
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.want, fe.Problems)
			assert.Equal(t, before, ts.snapshot(), "a refused item changes nothing")
			// And the instance works as configured.
			refresh, _ := ts.connectToken(legacyQuery(""))
			assertAccessWorks(t, ts, ts.signinToken(refresh, `{"_cloudId":123456789}`), "alice's token")
		})
	}
}

func TestFixtureUsers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	assert.JSONEq(t, `{"username":"alice","password":"alice-pw","subject":"alice-0001","user_clouds":[123456789,987654321,2147483647]}`, ts.getFixture("users", "alice"))
	assert.JSONEq(t, `{"username":"carol","password":"carol-pw","user_clouds":[]}`, ts.getFixture("users", "carol"))
	list, err := ts.p.ListFixtures(t.Context(), "users")
	require.NoError(t, err)
	require.Len(t, list, 4)
	assert.JSONEq(t, `{"username":"bob","password":"bob-pw","user_clouds":[555]}`, string(list[1]))
	_, err = ts.p.GetFixture(t.Context(), "users", "zed")
	require.ErrorIs(t, err, provider.ErrNoFixture)

	carolQuery := url.Values{"client_id": {"carol-app"}, "client_secret": {"carol-secret"}, "scope": {"*"}, "redirect_uri": {"https://carol.example.com/cb"}}
	assertErrorPage(t, ts.connect(carolQuery), http.StatusForbidden, "The user carol has no cloud to connect.")

	t.Run("user_clouds takes effect on the next connect", func(t *testing.T) {
		assert.False(t, ts.putFixture("users", "carol", `{"password":"carol-pw","user_clouds":[987654321,555]}`))
		refresh, cloud := ts.connectToken(carolQuery)
		assert.Equal(t, "987654321", cloud, "the first of user_clouds is the default")
		assertAccessWorks(t, ts, ts.signinToken(refresh, `{"_cloudId":987654321}`), "carol's token")
		assert.Equal(t, []int64{987654321, 555}, ts.p.clouds.idsOf("carol"))
	})
	t.Run("a new user", func(t *testing.T) {
		assert.True(t, ts.putFixture("users", "erin", `{"subject":"erin-1","user_clouds":[123456789]}`))
		assert.JSONEq(t, `{"username":"erin","subject":"erin-1","user_clouds":[123456789]}`, ts.getFixture("users", "erin"))
		ts.putFixture("clients", "erin-app", `{"secret":"erin-secret","redirect_uris":["https://erin.example.com/cb"],"default_user":"erin"}`)
		refresh, cloud := ts.connectToken(url.Values{"client_id": {"erin-app"}, "client_secret": {"erin-secret"}, "scope": {"*"}, "redirect_uri": {"https://erin.example.com/cb"}})
		assert.Equal(t, "123456789", cloud)
		access := ts.signinToken(refresh, `{"_cloudId":123456789}`)
		assert.Equal(t, "erin-1", ts.claimsOf(access)["sub"])
	})
	t.Run("a disabled user can no longer connect or sign in", func(t *testing.T) {
		refresh, _ := ts.connectToken(legacyQuery(""))
		assert.False(t, ts.putFixture("users", "alice", `{"subject":"alice-0001","disabled":true,"user_clouds":[123456789]}`))
		assertErrorPage(t, ts.connect(legacyQuery("")), http.StatusForbidden, "The user alice is disabled.")
		assertRefreshFails(t, ts, refresh, "the token's user no longer exists or is disabled", "a disabled user's refresh token")
		ts.putFixture("users", "alice", `{"subject":"alice-0001","user_clouds":[123456789]}`)
		assertRefreshWorks(t, ts, refresh, "enabled again")
	})
	t.Run("a deleted user's tokens fail and its clouds are forgotten", func(t *testing.T) {
		// bob is other-app's default user: the client must go first.
		var fe *provider.FixtureError
		require.ErrorAs(t, ts.p.DeleteFixture(t.Context(), "users", "bob"), &fe)
		assert.Equal(t, fixtures.Problems{{Message: `client "other-app" names this user as its default_user; change or delete the client first`}}, fe.Problems)
		assert.Equal(t, []int64{555}, ts.p.clouds.idsOf("bob"), "a refused delete changes nothing")

		bobRefresh, _ := ts.connectToken(otherQuery())
		bobAccess := ts.signinToken(bobRefresh, `{"_cloudId":555}`)
		minted, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: posID, Username: "bob"})
		require.NoError(t, err)
		require.NoError(t, ts.p.DeleteFixture(t.Context(), "clients", otherID))
		assertAccessWorks(t, ts, minted.AccessToken, "bob's token through another client")

		require.NoError(t, ts.p.DeleteFixture(t.Context(), "users", "bob"))
		assertAccessFails(t, ts, bobAccess, http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, "bob's access token")
		assertAccessFails(t, ts, minted.AccessToken, http.StatusUnauthorized, ReasonInvalidAccessToken, msgAccessRevoked, "bob's minted access token")
		assertRefreshFails(t, ts, bobRefresh, msgRefreshRevoked, "bob's refresh token")
		assertRefreshFails(t, ts, minted.RefreshToken, msgRefreshRevoked, "bob's minted refresh token")
		_, err = ts.p.Mint(t.Context(), provider.MintRequest{ClientID: posID, Username: "bob"})
		require.Error(t, err, "a deleted user cannot be minted for")
		require.ErrorIs(t, ts.p.DeleteFixture(t.Context(), "users", "bob"), provider.ErrNoFixture)
		assert.Empty(t, ts.p.clouds.idsOf("bob"), "the deleted user's clouds are forgotten")

		assert.True(t, ts.putFixture("users", "bob", `{}`))
		assert.JSONEq(t, `{"username":"bob","user_clouds":[]}`, ts.getFixture("users", "bob"), "a user created again starts with no clouds")
		assertRefreshFails(t, ts, bobRefresh, msgRefreshRevoked, "the old user's refresh token")
	})
}

func TestFixtureClouds(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.GrantClouds = GrantAll })
	list, err := ts.p.ListFixtures(t.Context(), "clouds")
	require.NoError(t, err)
	require.Len(t, list, 4)
	assert.JSONEq(t, `{"id":555,"1ClickId":null,"_companyId":null,"country":null,"deleted":true,"expired":false,"name":"Bob's Shop","restricted":false,"segment":null}`, string(list[0]), "sorted by id")
	assert.JSONEq(t, bistroJSON, string(list[1]))
	assert.JSONEq(t, bistroJSON, ts.getFixture("clouds", "123456789"))
	for _, id := range []string{"42", "0123456789", "bistro", "-1", ""} {
		_, err := ts.p.GetFixture(t.Context(), "clouds", id)
		require.ErrorIs(t, err, provider.ErrNoFixture, id)
		require.ErrorIs(t, ts.p.DeleteFixture(t.Context(), "clouds", id), provider.ErrNoFixture, id)
	}

	t.Run("a new cloud, granted to a user", func(t *testing.T) {
		assert.True(t, ts.putFixture("clouds", "42", `{"name":"Kiosk","country":"SK"}`), "the id comes from the path")
		assert.JSONEq(t, `{"id":42,"1ClickId":null,"_companyId":null,"country":"SK","deleted":false,"expired":false,"name":"Kiosk","restricted":false,"segment":null}`, ts.getFixture("clouds", "42"))
		ts.putFixture("users", "carol", `{"password":"carol-pw","user_clouds":[42]}`)
		refresh, cloud := ts.connectToken(url.Values{"client_id": {"carol-app"}, "client_secret": {"carol-secret"}, "scope": {"*"}, "redirect_uri": {"https://carol.example.com/cb"}})
		assert.Equal(t, "42", cloud)
		access := ts.signinToken(refresh, `{"_cloudId":42}`)
		res := ts.get(PathClouds+"/42", access)
		require.Equal(t, http.StatusOK, res.status)
		assert.JSONEq(t, ts.getFixture("clouds", "42"), string(res.body))
	})
	t.Run("a changed cloud shows at once", func(t *testing.T) {
		refresh, _ := ts.connectToken(legacyQuery(""))
		access := ts.signinToken(refresh, `{"_cloudId":123456789}`)
		assert.False(t, ts.putFixture("clouds", "123456789", `{"id":123456789,"name":"Bistro Brno"}`))
		res := ts.get(PathClouds+"/123456789", access)
		require.Equal(t, http.StatusOK, res.status)
		assert.Contains(t, string(res.body), `"name":"Bistro Brno"`)
	})
	t.Run("a deleted cloud leaves its users and its tokens may no longer use it", func(t *testing.T) {
		refresh, _ := ts.connectToken(legacyQuery("")) // grants all three of alice's clouds
		bound := ts.signinToken(refresh, `{"_cloudId":987654321}`)
		other := ts.signinToken(refresh, `{"_cloudId":123456789}`)
		cloudless := ts.signinToken(refresh, `{}`)
		require.NoError(t, ts.p.DeleteFixture(t.Context(), "clouds", "987654321"))
		require.ErrorIs(t, ts.p.DeleteFixture(t.Context(), "clouds", "987654321"), provider.ErrNoFixture)

		assert.JSONEq(t, `{"username":"alice","password":"alice-pw","subject":"alice-0001","user_clouds":[123456789,2147483647]}`, ts.getFixture("users", "alice"))
		res := ts.signin(refresh, `{"_cloudId":987654321}`)
		assert.Equal(t, http.StatusForbidden, res.status)
		assert.JSONEq(t, ts.errBody(403, ReasonCloudForbidden, msgCloudNotGrant), string(res.body))
		for _, path := range []string{PathClouds + "/987654321", PathClouds + "/987654321/customers"} {
			res := ts.get(path, bound)
			assert.Equal(t, http.StatusForbidden, res.status, path)
			assert.JSONEq(t, ts.errBody(403, ReasonCloudForbidden, msgCloudDeleted), string(res.body), path)
		}
		// Other clouds, and the list without the deleted one, still work.
		assert.Equal(t, http.StatusOK, ts.get(PathClouds+"/123456789", other).status)
		res = ts.get(PathClouds, cloudless)
		require.Equal(t, http.StatusOK, res.status)
		assert.NotContains(t, string(res.body), "987654321")
		assert.Equal(t, http.StatusCreated, ts.signin(refresh, `{"_cloudId":2147483647}`).status)
		_, cloud := ts.connectToken(legacyQuery(""))
		assert.Equal(t, "123456789", cloud)
	})
}

func TestFixtureResetRestores(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	before := ts.snapshot()
	ts.putFixture("clients", "new-app", `{"secret":"s"}`)
	ts.putFixture("users", "erin", `{"user_clouds":[555]}`)
	ts.putFixture("users", "carol", `{"user_clouds":[123456789]}`)
	ts.putFixture("clouds", "42", `{"name":"Kiosk"}`)
	require.NoError(t, ts.p.DeleteFixture(t.Context(), "clouds", "123456789"))
	require.NoError(t, ts.p.DeleteFixture(t.Context(), "clients", "dave-app"))
	require.NoError(t, ts.p.DeleteFixture(t.Context(), "users", "dave"))
	require.NotEqual(t, before, ts.snapshot())

	require.NoError(t, ts.p.Reset(t.Context()))
	assert.Equal(t, before, ts.snapshot())
	_, cloud := ts.connectToken(legacyQuery(""))
	assert.Equal(t, "123456789", cloud)
}
