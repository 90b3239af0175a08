package trackmania

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
)

const (
	daveID       = "d4a5e6f7-0b1c-4d2e-9f3a-4b5c6d7e8f90"
	davePassword = "dave-password-Ui4"
	newAppID     = "new-app"
	newAppSecret = "new-app-secret-Op5"
	newAppRedir  = "https://new.example.com/cb"
)

func (ts *testServer) put(t *testing.T, kind, id, item string) bool {
	t.Helper()
	created, err := ts.p.editor.PutFixture(t.Context(), kind, id, json.RawMessage(item))
	require.NoError(t, err, "put %s %s", kind, id)
	return created
}

func (ts *testServer) list(t *testing.T, kind string) []string {
	t.Helper()
	items, err := ts.p.editor.ListFixtures(t.Context(), kind)
	require.NoError(t, err)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = string(it)
	}
	return out
}

func TestFixtureKindsListGet(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	assert.Equal(t, []string{"clients", "users"}, ts.p.editor.FixtureKinds())

	users := ts.list(t, "users")
	require.Len(t, users, 3)
	assert.JSONEq(t, `{"username":"alice","password":"`+alicePassword+`","subject":"`+aliceID+`","claims":{"display_name":"AliceTM"}}`, users[0], "secrets come back plain: the admin API masks them")
	clients := ts.list(t, "clients")
	require.Len(t, clients, 3)
	assert.JSONEq(t, `{"id":"limited","secret":"`+limitedSecret+`","redirect_uris":["`+limitedRedir+`"],"scopes":["clubs"],"default_user":"bob"}`, clients[0])

	got, err := ts.p.editor.GetFixture(t.Context(), "clients", svcID)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"svc","secret":"`+svcSecret+`","grant_types":["client_credentials"]}`, string(got))

	for _, tc := range []struct{ kind, id string }{{"users", "nobody"}, {"clients", "nobody"}, {"clouds", "1"}, {"maps", "m1"}} {
		_, err := ts.p.editor.GetFixture(t.Context(), tc.kind, tc.id)
		assert.ErrorIs(t, err, provider.ErrNoFixture, "%s/%s", tc.kind, tc.id)
	}
	_, err = ts.p.editor.ListFixtures(t.Context(), "clubs")
	assert.ErrorIs(t, err, provider.ErrNoFixture)
	assert.ErrorIs(t, ts.p.editor.DeleteFixture(t.Context(), "users", "nobody"), provider.ErrNoFixture)
}

// TestFixturesTakeEffect: every change works on the next request, and a
// reset brings back the configuration.
func TestFixturesTakeEffect(t *testing.T) {
	t.Parallel()
	for _, mode := range controlModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)

			// A new app can log in at once, with both grants.
			assert.True(t, ts.put(t, "clients", newAppID, `{"secret":"`+newAppSecret+`","redirect_uris":["`+newAppRedir+`"],"scopes":["clubs"]}`))
			loc := ts.authorize(url.Values{"response_type": {"code"}, "client_id": {newAppID}, "redirect_uri": {newAppRedir}, "scope": {"clubs"}})
			code := loc.Query().Get("code")
			require.NotEmpty(t, code, "%s", loc)
			form := url.Values{"grant_type": {"authorization_code"}, "client_id": {newAppID}, "client_secret": {newAppSecret}, "code": {code}, "redirect_uri": {newAppRedir}}
			appTok := ts.tokens(ts.token(form), true)
			assert.JSONEq(t, `{"clubs":[{"id":12730,"name":"Alice Racing"},{"id":42,"name":"Shared Club"}]}`, ts.api(PathClubsAdmin, "", appTok.AccessToken).String())
			appCC := ts.tokens(ts.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {newAppID}, "client_secret": {newAppSecret}}), false)
			// Its scopes apply: read_favorite is not among them.
			loc = ts.authorize(url.Values{"response_type": {"code"}, "client_id": {newAppID}, "redirect_uri": {newAppRedir}, "scope": {"read_favorite"}})
			assert.Equal(t, "invalid_scope", loc.Query().Get("error"))

			// A changed secret applies at once.
			assert.False(t, ts.put(t, "clients", newAppID, `{"secret":"rotated-secret","redirect_uris":["`+newAppRedir+`"],"scopes":["clubs"]}`))
			resp := ts.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {newAppID}, "client_secret": {newAppSecret}})
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, tmClientFailed, resp.String())
			ts.tokens(ts.token(url.Values{"grant_type": {"client_credentials"}, "client_id": {newAppID}, "client_secret": {"rotated-secret"}}), false)

			// A new user can sign in and is known to the display-name routes.
			assert.True(t, ts.put(t, "users", "dave", `{"password":"`+davePassword+`","subject":"`+daveID+`","claims":{"display_name":"DaveTM"}}`))
			dave := ts.codeFlow(url.Values{"login_hint": {"dave"}})
			assert.JSONEq(t, `{"accountId":"`+daveID+`","displayName":"DaveTM"}`, ts.api(PathUser, "", dave.AccessToken).String())
			assert.JSONEq(t, `{"DaveTM":"`+daveID+`"}`, ts.api(PathAccountIDs, "displayName[]=DaveTM", appCC.AccessToken).String())

			// Deleting the user ends its logins and its tokens.
			require.NoError(t, ts.p.editor.DeleteFixture(t.Context(), "users", "dave"))
			ts.assertAccessFails(t, dave.AccessToken, descRevoked)
			ts.assertRefreshFails(t, dave.RefreshToken, "Token has been revoked")
			loc = ts.authorize(merge(webAuthParams(), url.Values{"login_hint": {"dave"}}))
			assert.Equal(t, "access_denied", loc.Query().Get("error"))
			assert.JSONEq(t, `{}`, ts.api(PathAccountIDs, "displayName[]=DaveTM", appCC.AccessToken).String())

			// Deleting the app ends its tokens and its logins.
			require.NoError(t, ts.p.editor.DeleteFixture(t.Context(), "clients", newAppID))
			ts.assertAccessFails(t, appTok.AccessToken, descRevoked)
			ts.assertAccessFails(t, appCC.AccessToken, descRevoked)
			resp = ts.token(url.Values{"grant_type": {"refresh_token"}, "client_id": {newAppID}, "client_secret": {"rotated-secret"}, "refresh_token": {appTok.RefreshToken}})
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.JSONEq(t, tmClientFailed, resp.String())
			rec, err := ts.p.deps.Store.LookupRefresh(t.Context(), appTok.RefreshToken)
			require.NoError(t, err)
			st, err := ts.p.life.Check(t.Context(), lifecycle.RefreshFacts(rec))
			require.NoError(t, err)
			assert.Equal(t, lifecycle.Revoked, st, "the app's refresh family is revoked by its cut-off")
			assert.Equal(t, http.StatusBadRequest, ts.authorizeResp(url.Values{"response_type": {"code"}, "client_id": {newAppID}, "redirect_uri": {newAppRedir}}).status)

			// Other users' tokens were not touched.
			alice := ts.codeFlow(nil)
			ts.assertAccessWorks(t, alice.AccessToken, true)

			// A user the clients need cannot go.
			err = ts.p.editor.DeleteFixture(t.Context(), "users", "bob")
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, fixtures.Problems{{Path: "", Message: `client "limited" names this user as its default_user; change or delete the client first`}}, fe.Problems)

			// Reset returns to the configuration.
			ts.put(t, "users", "erin", `{"subject":"e1e2e3e4-0000-4000-8000-000000000001"}`)
			require.NoError(t, ts.p.Reset(t.Context()))
			assert.Len(t, ts.list(t, "users"), 3)
			assert.Len(t, ts.list(t, "clients"), 3)
			_, err = ts.p.editor.GetFixture(t.Context(), "users", "erin")
			assert.ErrorIs(t, err, provider.ErrNoFixture)
		})
	}
}

// TestFixturePasswordChange: a changed password works on the next
// interactive sign-in, and the old one no longer does.
func TestFixturePasswordChange(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, interactive)
	before := ts.codeFlowInteractive(t, "alice", alicePassword)

	assert.False(t, ts.put(t, "users", "alice", `{"password":"new-alice-pw","subject":"`+aliceID+`","claims":{"display_name":"AliceTM"}}`))
	id := ts.loginPage(t, nil)
	resp := ts.decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {"alice"}, "password": {alicePassword}})
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.Contains(t, resp.String(), "Wrong username or password.")
	after := ts.codeFlowInteractive(t, "alice", "new-alice-pw")
	ts.assertAccessWorks(t, after.AccessToken, true)
	ts.assertAccessWorks(t, before.AccessToken, true) // a password change ends no session

	require.NoError(t, ts.p.Reset(t.Context()))
	ts.codeFlowInteractive(t, "alice", alicePassword)
}

func (ts *testServer) codeFlowInteractive(t *testing.T, username, password string) tokenSet {
	t.Helper()
	id := ts.loginPage(t, nil)
	resp := ts.decide(url.Values{"request_id": {id}, "action": {"allow"}, "username": {username}, "password": {password}})
	require.Equal(t, http.StatusFound, resp.status, "%s", resp.body)
	loc, err := url.Parse(resp.header.Get("Location"))
	require.NoError(t, err)
	return ts.tokens(ts.redeem(loc.Query().Get("code"), nil), true)
}

// TestFixtureBadItems: an item the configuration would refuse is refused
// with every problem, paths relative to the item, and nothing changes.
func TestFixtureBadItems(t *testing.T) {
	t.Parallel()
	const uuidMsg = "must be the accountId, a UUID such as 5b4d42f4-c2de-407d-b367-cbff3fe817bc"
	tests := []struct {
		name, kind, id, item string
		want                 fixtures.Problems
	}{
		{"public client", "clients", "new", `{"public":true,"redirect_uris":["https://x.example/cb"]}`,
			fixtures.Problems{{Path: "public", Message: "Trackmania apps are confidential; give the client a secret"}}},
		{"unknown scope", "clients", "new", `{"secret":"s","scopes":["clubs","openid"]}`,
			fixtures.Problems{{Path: "scopes[1]", Message: `unknown scope "openid" (have [clubs read_favorite write_favorite])`}}},
		{"unknown grant", "clients", "new", `{"secret":"s","grant_types":["password"]}`,
			fixtures.Problems{{Path: "grant_types[0]", Message: `unsupported grant type "password" (have [authorization_code refresh_token client_credentials])`}}},
		{"short lifetimes", "clients", "new", `{"secret":"s","access_token_ttl":"500ms","refresh_token_ttl":0.5}`,
			fixtures.Problems{{Path: "access_token_ttl", Message: "must be at least 1s"}, {Path: "refresh_token_ttl", Message: "must be at least 1s"}}},
		{"several problems at once", "clients", "new", `{"public":true,"scopes":["x"]}`,
			fixtures.Problems{{Path: "public", Message: "Trackmania apps are confidential; give the client a secret"}, {Path: "scopes[0]", Message: `unknown scope "x" (have [clubs read_favorite write_favorite])`}}},
		{"no secret", "clients", "new", `{"redirect_uris":["https://x.example/cb"]}`,
			fixtures.Problems{{Path: "secret", Message: `a confidential client needs a secret (or set "public": true)`}}},
		{"unknown default user", "clients", "new", `{"secret":"s","default_user":"zed"}`,
			fixtures.Problems{{Path: "default_user", Message: `no user named "zed"`}}},
		{"bad redirect uri", "clients", "new", `{"secret":"s","redirect_uris":["/cb"]}`, nil},
		{"replacing a client badly", "clients", webID, `{"secret":"s","scopes":["nope"]}`,
			fixtures.Problems{{Path: "scopes[0]", Message: `unknown scope "nope" (have [clubs read_favorite write_favorite])`}}},
		{"unknown member", "clients", "new", `{"secret":"s","colour":"red"}`,
			fixtures.Problems{{Path: "", Message: `json: unknown field "colour"`}}},
		{"id differs from the path", "clients", "new", `{"id":"other","secret":"s"}`,
			fixtures.Problems{{Path: "id", Message: `is "other" but the path names "new"`}}},
		{"user without an accountId", "users", "dave", `{"password":"p"}`,
			fixtures.Problems{{Path: "subject", Message: uuidMsg}}},
		{"accountId not a UUID", "users", "dave", `{"password":"p","subject":"dave-1"}`,
			fixtures.Problems{{Path: "subject", Message: uuidMsg}}},
		{"display_name not a string", "users", "dave", `{"subject":"` + daveID + `","claims":{"display_name":7}}`,
			fixtures.Problems{{Path: "claims.display_name", Message: "must be a non-empty string"}}},
		{"display name taken", "users", "dave", `{"subject":"` + daveID + `","claims":{"display_name":"AliceTM"}}`,
			fixtures.Problems{{Path: "claims.display_name", Message: `duplicate display name "AliceTM" (user "alice" has it)`}}},
		{"username taken as a display name", "users", "AliceTM", `{"subject":"` + daveID + `"}`,
			fixtures.Problems{{Path: "claims.display_name", Message: `duplicate display name "AliceTM" (user "alice" has it)`}}},
		{"accountId taken", "users", "dave", `{"subject":"` + aliceID + `"}`,
			fixtures.Problems{{Path: "subject", Message: `subject "` + aliceID + `" belongs to user "alice"`}}},
		{"replacing a user badly", "users", "bob", `{"subject":"bob"}`,
			fixtures.Problems{{Path: "subject", Message: uuidMsg}}},
		{"not JSON", "users", "dave", `{"subject":`, nil},
	}
	ts := newTestServer(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.list(t, tc.kind)
			_, err := ts.p.editor.PutFixture(t.Context(), tc.kind, tc.id, json.RawMessage(tc.item))
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			if tc.want != nil {
				assert.Equal(t, tc.want, fe.Problems)
			} else {
				assert.NotEmpty(t, fe.Problems)
			}
			assert.Equal(t, before, ts.list(t, tc.kind), "nothing changed")
		})
	}
	// The same rules accept a good item.
	assert.True(t, ts.put(t, "users", "dave", `{"subject":"`+daveID+`","claims":{"display_name":"DaveTM"}}`))
	assert.False(t, ts.put(t, "users", "alice", `{"password":"x","subject":"`+aliceID+`","claims":{"display_name":"AliceTM"}}`), "a user keeps its own display name")
}

// TestConcurrentFixturePutsKeepDisplayNamesUnique: of many puts of new
// users with one display name, exactly one wins.
func TestConcurrentFixturePutsKeepDisplayNamesUnique(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			sub := fmt.Sprintf("00000000-0000-4000-8000-%012x", i)
			_, errs[i] = ts.p.editor.PutFixture(t.Context(), "users", fmt.Sprintf("racer%d", i), json.RawMessage(`{"subject":"`+sub+`","claims":{"display_name":"Same"}}`))
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		var fe *provider.FixtureError
		assert.ErrorAs(t, err, &fe)
	}
	assert.Equal(t, 1, ok)
}
