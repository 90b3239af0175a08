package trackmania

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUserEndpoint(t *testing.T) {
	t.Parallel()
	t.Run("camelCase", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, nil)
		tok := ts.codeFlow(url.Values{"scope": {""}}) // the empty scope is enough
		resp := ts.api(PathUser, "", tok.AccessToken)
		assert.Equal(t, http.StatusOK, resp.status)
		assert.Equal(t, "application/json;charset=UTF-8", resp.header.Get("Content-Type"))
		assert.JSONEq(t, `{"accountId":"`+aliceID+`","displayName":"AliceTM"}`, resp.String())
	})
	t.Run("snake_case option", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, func(c *Config) { c.SnakeCaseUser = true })
		tok := ts.codeFlow(url.Values{"login_hint": {"bob"}})
		resp := ts.api(PathUser, "", tok.AccessToken)
		assert.Equal(t, http.StatusOK, resp.status)
		// bob has no display_name claim: his username stands in.
		assert.JSONEq(t, `{"account_id":"`+bobID+`","display_name":"bob"}`, resp.String())
	})
}

// TestBearerErrors covers RFC 6750 on every resource route.
func TestBearerErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	user := ts.codeFlow(url.Values{"scope": {""}})
	cc := ts.clientToken()
	expired := ts.codeFlow(nil)
	ts.clk.Advance(time.Hour)
	user = ts.tokens(ts.refresh(user.RefreshToken), true) // valid again after the jump
	cc = ts.clientToken()

	realm := `realm="` + ts.issuer + `"`
	routes := []struct {
		method, path, query, scope string
	}{
		{http.MethodGet, PathUser, "", ""},
		{http.MethodGet, PathDisplayNames, "accountId[]=" + aliceID, ""},
		{http.MethodGet, PathAccountIDs, "displayName[]=AliceTM", ""},
		{http.MethodGet, PathClubsAdmin, "", ScopeClubs},
		{http.MethodGet, PathFavorites, "", ScopeReadFavorite},
		{http.MethodPost, PathFavoriteAdd, "", ScopeWriteFavorite},
		{http.MethodPost, PathFavoriteRemove, "", ScopeWriteFavorite},
	}
	for _, rt := range routes {
		call := func(bearer string) response {
			return ts.request(rt.method, rt.path, rt.query, bearer, "application/json", `{"uid":"m3"}`)
		}
		t.Run(rt.path+" missing token", func(t *testing.T) {
			resp := call("")
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.Equal(t, "Bearer "+realm, resp.header.Get("WWW-Authenticate"), "no error code without credentials (RFC 6750 §3.1)")
			assert.JSONEq(t, errJSON("invalid_token", "a bearer token is required"), resp.String())
		})
		t.Run(rt.path+" invalid token", func(t *testing.T) {
			resp := call("not-a-token")
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.Equal(t, `Bearer `+realm+`, error="invalid_token", error_description="the access token is invalid"`, resp.header.Get("WWW-Authenticate"))
			assert.JSONEq(t, errJSON("invalid_token", "the access token is invalid"), resp.String())
		})
		t.Run(rt.path+" expired token", func(t *testing.T) {
			resp := call(expired.AccessToken)
			assert.Equal(t, http.StatusUnauthorized, resp.status)
			assert.Equal(t, `Bearer `+realm+`, error="invalid_token", error_description="the access token expired"`, resp.header.Get("WWW-Authenticate"))
			assert.JSONEq(t, errJSON("invalid_token", "the access token expired"), resp.String())
		})
		if rt.scope != "" {
			t.Run(rt.path+" missing scope", func(t *testing.T) {
				resp := call(user.AccessToken)
				desc := "the access token lacks the " + rt.scope + " scope"
				assert.Equal(t, http.StatusForbidden, resp.status)
				assert.Equal(t, `Bearer `+realm+`, error="insufficient_scope", error_description="`+desc+`", scope="`+rt.scope+`"`, resp.header.Get("WWW-Authenticate"))
				assert.JSONEq(t, errJSON("insufficient_scope", desc), resp.String())
			})
		}
		if !strings.HasPrefix(rt.path, PathDisplayNames) {
			t.Run(rt.path+" client-credentials token", func(t *testing.T) {
				resp := call(cc.AccessToken)
				desc := "this endpoint needs a user's token; a client-credentials token has no user"
				assert.Equal(t, http.StatusForbidden, resp.status)
				assert.Equal(t, `Bearer `+realm+`, error="insufficient_scope", error_description="`+desc+`"`, resp.header.Get("WWW-Authenticate"))
				assert.JSONEq(t, errJSON("insufficient_scope", desc), resp.String())
			})
		}
	}
}

func TestDisplayNames(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	cc := ts.clientToken().AccessToken
	user := ts.codeFlow(nil).AccessToken
	unknown := "11111111-2222-4333-8444-555555555555"
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("accountId[]=%08d-0000-4000-8000-000000000000", i)
	}
	tests := []struct {
		name, query string
		bearer      string
		status      int
		body        string
	}{
		{"two ids", "accountId[]=" + aliceID + "&accountId[]=" + bobID, cc, 200, `{"` + aliceID + `":"AliceTM","` + bobID + `":"bob"}`},
		{"user token", "accountId[]=" + aliceID, user, 200, `{"` + aliceID + `":"AliceTM"}`},
		{"unknown ids left out", "accountId[]=" + unknown + "&accountId[]=" + bobID, cc, 200, `{"` + bobID + `":"bob"}`},
		{"indexed form", "accountId[0]=" + aliceID + "&accountId[1]=" + bobID, cc, 200, `{"` + aliceID + `":"AliceTM","` + bobID + `":"bob"}`},
		{"both forms at once", "accountId[]=" + aliceID + "&accountId[0]=" + bobID, cc, 200, `{"` + aliceID + `":"AliceTM","` + bobID + `":"bob"}`},
		{"escaped brackets", "accountId%5B%5D=" + aliceID, cc, 200, `{"` + aliceID + `":"AliceTM"}`},
		{"repeated id", "accountId[]=" + aliceID + "&accountId[]=" + aliceID, cc, 200, `{"` + aliceID + `":"AliceTM"}`},
		{"disabled user still has a name", "accountId[]=" + carolID, cc, 200, `{"` + carolID + `":"carol"}`},
		{"fifty ids", strings.Join(many[:50], "&"), cc, 200, `{}`},
		{"fifty-one ids", strings.Join(many, "&"), cc, 400, errJSON("invalid_request", "at most 50 accountId[] values are allowed")},
		{"no ids", "", cc, 400, errJSON("invalid_request", "accountId[] is required")},
		{"bare parameter", "accountId=" + aliceID, cc, 400, errJSON("invalid_request", "accountId must be sent as an array: accountId[]=…")},
		{"empty id", "accountId[]=", cc, 400, errJSON("invalid_request", "accountId[] values must not be empty")},
		{"not a uuid", "accountId[]=alice", cc, 400, errJSON("invalid_request", "accountId[] values must be account ids (UUIDs)")},
		{"bad encoding", "accountId[]=%zz", cc, 400, errJSON("invalid_request", "the query string is not valid URL encoding")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.api(PathDisplayNames, tc.query, tc.bearer)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}
}

func TestAccountIDs(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	cc := ts.clientToken().AccessToken
	tests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"two names", "displayName[]=AliceTM&displayName[]=bob", 200, `{"AliceTM":"` + aliceID + `","bob":"` + bobID + `"}`},
		{"exact match only", "displayName[]=alicetm&displayName[]=alice", 200, `{}`},
		{"encoded name", "displayName[]=" + url.QueryEscape("AliceTM"), 200, `{"AliceTM":"` + aliceID + `"}`},
		{"no names", "", 400, errJSON("invalid_request", "displayName[] is required")},
		{"bare parameter", "displayName=bob", 400, errJSON("invalid_request", "displayName must be sent as an array: displayName[]=…")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.api(PathAccountIDs, tc.query, cc)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}
}

func TestClubsAdmin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.Clients[0].DefaultUser = "" })
	alice := ts.codeFlow(url.Values{"scope": {"clubs"}, "login_hint": {"alice"}}).AccessToken
	bob := ts.codeFlow(url.Values{"scope": {"clubs"}, "login_hint": {"bob"}}).AccessToken
	resp := ts.api(PathClubsAdmin, "", alice)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"clubs":[{"id":12730,"name":"Alice Racing"},{"id":42,"name":"Shared Club"}]}`, resp.String())
	assert.JSONEq(t, `{"clubs":[{"id":42,"name":"Shared Club"}]}`, ts.api(PathClubsAdmin, "", bob).String())

	ts2 := newTestServer(t, func(c *Config) { c.Clubs = nil })
	assert.JSONEq(t, `{"clubs":[]}`, ts2.api(PathClubsAdmin, "", ts2.codeFlow(nil).AccessToken).String())
}

const (
	m1JSON = `{"uid":"m1","name":"Map One","author":"` + aliceID + `","thumbnailUrl":"https://maps.example.com/m1.jpg"}`
	m2JSON = `{"uid":"m2","name":"Map Two","author":"` + bobID + `","thumbnailUrl":"https://maps.example.com/m2.jpg"}`
	m3JSON = `{"uid":"m3","name":"Map Three","author":"` + aliceID + `","thumbnailUrl":"https://maps.example.com/m3.jpg"}`
)

func TestFavoritesList(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	at := ts.codeFlow(nil).AccessToken
	tests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"defaults", "", 200, `{"list":[` + m1JSON + `,` + m2JSON + `]}`},
		{"documented query", "length=10&offset=0", 200, `{"list":[` + m1JSON + `,` + m2JSON + `]}`},
		{"length 1", "length=1", 200, `{"list":[` + m1JSON + `]}`},
		{"offset 1", "offset=1", 200, `{"list":[` + m2JSON + `]}`},
		{"offset past the end", "offset=5", 200, `{"list":[]}`},
		{"length 100", "length=100", 200, `{"list":[` + m1JSON + `,` + m2JSON + `]}`},
		{"length 0", "length=0", 400, errJSON("invalid_request", "length must be an integer from 1 to 100")},
		{"length 101", "length=101", 400, errJSON("invalid_request", "length must be an integer from 1 to 100")},
		{"length not a number", "length=ten", 400, errJSON("invalid_request", "length must be an integer from 1 to 100")},
		{"negative offset", "offset=-1", 400, errJSON("invalid_request", "offset must be an integer from 0 to 1073741824")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.api(PathFavorites, tc.query, at)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.body, resp.String())
		})
	}
}

func TestFavoritesChange(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.Clients[0].DefaultUser = "" })
	alice := ts.codeFlow(url.Values{"login_hint": {"alice"}}).AccessToken
	bob := ts.codeFlow(url.Values{"login_hint": {"bob"}}).AccessToken
	post := func(path, bearer, contentType, body string) response {
		return ts.request(http.MethodPost, path, "", bearer, contentType, body)
	}
	list := func(bearer string) string { return ts.api(PathFavorites, "", bearer).String() }

	resp := post(PathFavoriteAdd, alice, "application/json", `{"uid":"m3"}`)
	assert.Equal(t, http.StatusNoContent, resp.status)
	assert.Empty(t, resp.body)
	assert.JSONEq(t, `{"list":[`+m1JSON+`,`+m2JSON+`,`+m3JSON+`]}`, list(alice))
	assert.Equal(t, http.StatusNoContent, post(PathFavoriteAdd, alice, "application/json", `{"uid":"m3"}`).status, "adding again is harmless")
	assert.JSONEq(t, `{"list":[`+m1JSON+`,`+m2JSON+`,`+m3JSON+`]}`, list(alice))

	assert.Equal(t, http.StatusNoContent, post(PathFavoriteRemove, alice, "application/json; charset=utf-8", `{"uid":"m1"}`).status)
	assert.JSONEq(t, `{"list":[`+m2JSON+`,`+m3JSON+`]}`, list(alice))
	assert.Equal(t, http.StatusNoContent, post(PathFavoriteRemove, alice, "application/json", `{"uid":"m1"}`).status, "removing a non-favourite is harmless")

	// Per user: bob's list is his own.
	assert.JSONEq(t, `{"list":[]}`, list(bob))
	assert.Equal(t, http.StatusNoContent, post(PathFavoriteAdd, bob, "application/x-www-form-urlencoded", "uid=m1").status)
	assert.JSONEq(t, `{"list":[`+m1JSON+`]}`, list(bob))
	assert.JSONEq(t, `{"list":[`+m2JSON+`,`+m3JSON+`]}`, list(alice))

	// Reset brings the configured favourites back.
	require.NoError(t, ts.p.Reset(t.Context()))
	assert.JSONEq(t, `{"list":[`+m1JSON+`,`+m2JSON+`]}`, list(alice))
	assert.JSONEq(t, `{"list":[]}`, list(bob))
}

func TestFavoritesChangeErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil)
	at := ts.codeFlow(nil).AccessToken
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"unknown map", "application/json", `{"uid":"nope"}`, 400, errJSON("invalid_request", `no map with uid "nope"`)},
		{"no uid", "application/json", `{}`, 400, errJSON("invalid_request", "uid is required")},
		{"empty uid", "application/json", `{"uid":""}`, 400, errJSON("invalid_request", "uid is required")},
		{"uid not a string", "application/json", `{"uid":7}`, 400, errJSON("invalid_request", `the body must be JSON {"uid":"…"}`)},
		{"not JSON", "application/json", `uid=m3`, 400, errJSON("invalid_request", `the body must be JSON {"uid":"…"}`)},
		{"trailing data", "application/json", `{"uid":"m3"} {"uid":"m1"}`, 400, errJSON("invalid_request", `the body must be JSON {"uid":"…"}`)},
		{"no content type", "", `{"uid":"m3"}`, 400, errJSON("invalid_request", `the body must be JSON {"uid":"…"}`)},
		{"text/plain", "text/plain", `{"uid":"m3"}`, 400, errJSON("invalid_request", `the body must be JSON {"uid":"…"}`)},
		{"form without uid", "application/x-www-form-urlencoded", `map=m3`, 400, errJSON("invalid_request", "uid is required")},
		{"too large", "application/json", `{"uid":"m3","pad":"` + strings.Repeat("a", testMaxBody) + `"}`, 413, errJSON("invalid_request", "the request body is too large")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := ts.request(http.MethodPost, PathFavoriteAdd, "", at, tc.contentType, tc.body)
			assert.Equal(t, tc.status, resp.status)
			assert.JSONEq(t, tc.want, resp.String())
		})
	}
	// Nothing changed.
	assert.JSONEq(t, `{"list":[`+m1JSON+`,`+m2JSON+`]}`, ts.api(PathFavorites, "", at).String())
}
