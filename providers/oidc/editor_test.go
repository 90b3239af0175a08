package oidc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
)

// fixtureIDs lists the ids ("id" or "username") of a collection.
func fixtureIDs(t *testing.T, p *Provider, kind string) []string {
	t.Helper()
	items, err := p.editor.ListFixtures(t.Context(), kind)
	require.NoError(t, err)
	var ids []string
	for _, it := range items {
		var v struct{ ID, Username string }
		require.NoError(t, json.Unmarshal(it, &v))
		ids = append(ids, v.ID+v.Username)
	}
	return ids
}

func TestFixtureListAndGet(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	assert.Equal(t, []string{"clients", "users"}, ts.p.editor.FixtureKinds())
	assert.Equal(t, []string{partnerID, serviceID, spaID, webID}, fixtureIDs(t, ts.p, "clients"))
	assert.Equal(t, []string{"alice", "bob", "carol"}, fixtureIDs(t, ts.p, "users"))

	got, err := ts.p.editor.GetFixture(ctx, "clients", serviceID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"service","secret":"service-secret-4Mz8Pr","name":"Service",
		"redirect_uris":["https://service.example.com/cb"],
		"grant_types":["client_credentials"],"scopes":["api:read","api:write"]}`, string(got), "secrets come back plain")
	got, err = ts.p.editor.GetFixture(ctx, "users", "bob")
	require.NoError(t, err)
	assert.JSONEq(t, `{"username":"bob","password":"bob-password-Er2",
		"claims":{"name":"Bob Builder","email":"bob@example.com","email_verified":false}}`, string(got))

	for _, tc := range []struct{ kind, id string }{{"clients", "nope"}, {"users", "nope"}, {"clouds", "1"}} {
		_, err := ts.p.editor.GetFixture(ctx, tc.kind, tc.id)
		assert.ErrorIs(t, err, provider.ErrNoFixture, "%s/%s", tc.kind, tc.id)
	}
	_, err = ts.p.editor.ListFixtures(ctx, "clouds")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
}

// clientCredentials asks for a client_credentials token.
func (ts *testServer) clientCredentials(id, secret string) response {
	ts.tb.Helper()
	return ts.postForm(PathToken, url.Values{"grant_type": {"client_credentials"}}, id, secret)
}

func TestFixtureClientsAtRuntime(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	badClient := errJSON("invalid_client", "client authentication failed")

	resp := ts.clientCredentials("robot", "robot-secret")
	require.Equal(t, http.StatusUnauthorized, resp.status)

	created, err := ts.p.editor.PutFixture(ctx, "clients", "robot", json.RawMessage(`{"secret":"robot-secret","grant_types":["client_credentials"],"scopes":["jobs:run"]}`))
	require.NoError(t, err)
	assert.True(t, created)
	tok := ts.tokens(ts.clientCredentials("robot", "robot-secret"))
	assert.Equal(t, "jobs:run", tok.Scope, "the new client's own scopes")
	assert.True(t, slices.ContainsFunc(ts.p.Describe().Clients, func(c provider.DescribedClient) bool { return c.ID == "robot" }))

	created, err = ts.p.editor.PutFixture(ctx, "clients", "robot", json.RawMessage(`{"id":"robot","secret":"new-secret","grant_types":["client_credentials"]}`))
	require.NoError(t, err)
	assert.False(t, created)
	resp = ts.clientCredentials("robot", "robot-secret")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, badClient, resp.String(), "the old secret is gone")
	ts.tokens(ts.clientCredentials("robot", "new-secret"))
	ts.assertActive(tok.AccessToken, true)

	require.NoError(t, ts.p.editor.DeleteFixture(ctx, "clients", "robot"))
	resp = ts.clientCredentials("robot", "new-secret")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, badClient, resp.String())
	ts.assertAccessFails(t, tok.AccessToken, accessRevoked)
	assert.ErrorIs(t, ts.p.editor.DeleteFixture(ctx, "clients", "robot"), provider.ErrNoFixture)
}

// TestFixtureDeleteClientRevokesItsGrants: a deleted client's users'
// tokens die with it; other clients' do not.
func TestFixtureDeleteClientRevokesItsGrants(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	bob := ts.tokens(ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {bobPassword}, "scope": {"openid"}}, partnerID, partnerSecret))
	alice := ts.codeFlow(nil)
	require.NoError(t, ts.p.editor.DeleteFixture(t.Context(), "clients", partnerID))
	ts.assertAccessFails(t, bob.AccessToken, accessRevoked)
	ts.assertActive(bob.RefreshToken, false)
	assert.Equal(t, http.StatusOK, ts.userinfo(alice.AccessToken).status)
	ts.tokens(ts.refresh(alice.RefreshToken, nil))
}

func TestFixtureUsersAtRuntime(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	badLogin := errJSON("invalid_grant", "invalid username or password")
	login := func(user, password string) response {
		return ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}, "scope": {"openid email"}}, webID, webSecret)
	}

	created, err := ts.p.editor.PutFixture(ctx, "users", "dave", json.RawMessage(`{"password":"dave-pw-1","subject":"u-dave","claims":{"email":"dave@example.com","roles":["ops"]}}`))
	require.NoError(t, err)
	assert.True(t, created)
	tok := ts.tokens(login("dave", "dave-pw-1"))
	info := ts.userinfo(tok.AccessToken)
	require.Equal(t, http.StatusOK, info.status)
	assert.JSONEq(t, `{"sub":"u-dave","email":"dave@example.com","roles":["ops"]}`, info.String())
	// Non-interactive authorization can approve as the new user too.
	code := ts.tokens(ts.redeem(ts.code(url.Values{"login_hint": {"dave"}}), nil))
	assert.Equal(t, "u-dave", ts.verifyJWT(code.IDToken)["sub"])

	created, err = ts.p.editor.PutFixture(ctx, "users", "dave", json.RawMessage(`{"password":"dave-pw-2","subject":"u-dave"}`))
	require.NoError(t, err)
	assert.False(t, created)
	resp := login("dave", "dave-pw-1")
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, badLogin, resp.String(), "the old password is gone")
	ts.tokens(login("dave", "dave-pw-2"))

	require.NoError(t, ts.p.editor.DeleteFixture(ctx, "users", "dave"))
	resp = login("dave", "dave-pw-2")
	assert.JSONEq(t, badLogin, resp.String(), "a deleted user cannot sign in")
	for _, at := range []string{tok.AccessToken, code.AccessToken} {
		ts.assertAccessFails(t, at, accessRevoked)
	}
	for _, rt := range []string{tok.RefreshToken, code.RefreshToken} {
		resp := ts.refresh(rt, nil)
		assert.Equal(t, http.StatusBadRequest, resp.status)
		assert.JSONEq(t, errJSON("invalid_grant", refreshGone), resp.String())
	}
	loc := ts.authorize(merge(webAuthParams(), url.Values{"login_hint": {"dave"}}))
	assert.Equal(t, "access_denied", loc.Query().Get("error"))

	var fe *provider.FixtureError
	require.ErrorAs(t, ts.p.editor.DeleteFixture(ctx, "users", "alice"), &fe, "web approves as alice")
	assert.ErrorIs(t, ts.p.editor.DeleteFixture(ctx, "users", "dave"), provider.ErrNoFixture)
}

func TestFixtureBadItemsChangeNothing(t *testing.T) {
	t.Parallel()
	// This instance leaves out the password grant.
	ts := newTestServer(t, func(c *Config) {
		c.GrantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}
		for i := range c.Clients {
			c.Clients[i].GrantTypes = slices.DeleteFunc(c.Clients[i].GrantTypes, func(g string) bool { return g == "password" })
		}
	})
	ctx := t.Context()
	tests := []struct {
		name, kind, id, item string
		paths                []string
	}{
		{"grant type the instance lacks", "clients", "cli", `{"secret":"s","grant_types":["client_credentials","password"]}`, []string{"grant_types[1]"}},
		{"unknown grant type", "clients", "cli", `{"secret":"s","grant_types":["implicit"]}`, []string{"grant_types[0]"}},
		{"bad scope token", "clients", "cli", `{"secret":"s","scopes":["ok","not ok"]}`, []string{"scopes[1]"}},
		{"lifetimes under a second", "clients", "cli", `{"secret":"s","access_token_ttl":"500ms","id_token_ttl":"10ms"}`, []string{"access_token_ttl", "id_token_ttl"}},
		{"confidential client without a secret", "clients", "cli", `{"grant_types":["client_credentials"]}`, []string{"secret"}},
		{"public client with a secret", "clients", "cli", `{"public":true,"secret":"s"}`, []string{"secret"}},
		{"relative redirect URI", "clients", "cli", `{"secret":"s","redirect_uris":["/cb"]}`, []string{"redirect_uris[0]"}},
		{"unknown default user", "clients", "cli", `{"secret":"s","default_user":"nobody"}`, []string{"default_user"}},
		{"unknown member", "clients", "cli", `{"secret":"s","require_pkse":true}`, []string{""}},
		{"id differs from the path", "clients", "cli", `{"id":"other","secret":"s"}`, []string{"id"}},
		{"replacing a client with a bad one", "clients", serviceID, `{"secret":"s","scopes":["bad scope"]}`, []string{"scopes[0]"}},
		{"subject of another user", "users", "dave", `{"password":"pw","subject":"a1b2c3-alice"}`, []string{"subject"}},
		{"username differs from the path", "users", "dave", `{"username":"erin","password":"pw"}`, []string{"username"}},
		{"not an object", "users", "dave", `["dave"]`, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, beforeErr := ts.p.editor.GetFixture(ctx, tc.kind, tc.id)
			_, err := ts.p.editor.PutFixture(ctx, tc.kind, tc.id, json.RawMessage(tc.item))
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			var paths []string
			for _, p := range fe.Problems {
				paths = append(paths, p.Path)
			}
			assert.Equal(t, tc.paths, paths, "%v", fe.Problems)

			after, afterErr := ts.p.editor.GetFixture(ctx, tc.kind, tc.id)
			assert.Equal(t, beforeErr, afterErr)
			assert.Equal(t, string(before), string(after), "nothing changed")
		})
	}
	assert.Equal(t, []string{partnerID, serviceID, spaID, webID}, fixtureIDs(t, ts.p, "clients"))
	assert.Equal(t, []string{"alice", "bob", "carol"}, fixtureIDs(t, ts.p, "users"))
	tok := ts.tokens(ts.clientCredentials(serviceID, serviceSecret))
	assert.Equal(t, "api:read api:write", tok.Scope, "service is unchanged")
}

// TestCheckClientMatchesTheConfigFile: the admin API refuses exactly what
// the configuration file refuses, at the same paths below the client.
func TestCheckClientMatchesTheConfigFile(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.GrantTypes = []string{"authorization_code", "client_credentials"} })
	item := `{"id":"cli","secret":"s","grant_types":["password"],"scopes":["a b"],"refresh_token_ttl":"1ms"}`
	_, err := ts.p.editor.PutFixture(t.Context(), "clients", "cli", json.RawMessage(item))
	var fe *provider.FixtureError
	require.ErrorAs(t, err, &fe)

	_, ps := parseConfig(json.RawMessage(`{"grant_types":["authorization_code","client_credentials"],"clients":[` + item + `]}`))
	require.Len(t, ps, len(fe.Problems))
	for i, p := range fe.Problems {
		assert.Equal(t, "clients[0]."+p.Path, ps[i].Path)
		assert.Equal(t, p.Message, ps[i].Message)
	}
}

func TestResetRestoresFixtures(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	ctx := t.Context()
	wantClients, err := ts.p.editor.ListFixtures(ctx, "clients")
	require.NoError(t, err)
	wantUsers, err := ts.p.editor.ListFixtures(ctx, "users")
	require.NoError(t, err)

	_, err = ts.p.editor.PutFixture(ctx, "clients", "robot", json.RawMessage(`{"secret":"s"}`))
	require.NoError(t, err)
	require.NoError(t, ts.p.editor.DeleteFixture(ctx, "clients", serviceID))
	_, err = ts.p.editor.PutFixture(ctx, "users", "alice", json.RawMessage(`{"password":"changed","subject":"a1b2c3-alice"}`))
	require.NoError(t, err)
	_, err = ts.p.editor.PutFixture(ctx, "users", "dave", json.RawMessage(`{"password":"pw"}`))
	require.NoError(t, err)

	require.NoError(t, ts.p.Reset(ctx))
	gotClients, err := ts.p.editor.ListFixtures(ctx, "clients")
	require.NoError(t, err)
	gotUsers, err := ts.p.editor.ListFixtures(ctx, "users")
	require.NoError(t, err)
	assert.Equal(t, wantClients, gotClients)
	assert.Equal(t, wantUsers, gotUsers)
	ts.passwordTokens("alice", alicePassword, "openid")
	ts.tokens(ts.clientCredentials(serviceID, serviceSecret))
}
