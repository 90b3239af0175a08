package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/provider"
)

// fakeProvider records what the admin API asked of it.
type fakeProvider struct {
	*directory.Editor
	mu       sync.Mutex
	minted   []provider.MintRequest
	revoked  []provider.TokenSelector
	expired  []provider.TokenSelector
	mintErr  error
	knownJTI string
}

func (*fakeProvider) Mount(*mux.Router) {}

func (f *fakeProvider) Mint(_ context.Context, req provider.MintRequest) (provider.MintResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mintErr != nil {
		return provider.MintResult{}, f.mintErr
	}
	f.minted = append(f.minted, req)
	return provider.MintResult{AccessToken: "at-" + req.Username, ExpiresIn: 60, JTI: "jti-1"}, nil
}

func (f *fakeProvider) Revoke(_ context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sel.JTI != "" && sel.JTI != f.knownJTI {
		return provider.Selected{}, provider.ErrUnknownToken
	}
	f.revoked = append(f.revoked, sel)
	return provider.Selected{AccessTokens: 2, RefreshTokens: 1}, nil
}

func (f *fakeProvider) Expire(_ context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired = append(f.expired, sel)
	return provider.Selected{AccessTokens: 1}, nil
}

// bareProvider has no capabilities at all.
type bareProvider struct{}

func (bareProvider) Mount(*mux.Router) {}

var testProviders = map[string]provider.Provider{}

func withProviders(t *testing.T) *fakeProvider {
	t.Helper()
	f := &fakeProvider{knownJTI: "jti-1"}
	f.Editor = &directory.Editor{
		Dir: directory.New(
			[]fixtures.Client{{ID: "web", Secret: "web-secret", RedirectURIs: []string{"https://app.example/cb"}}},
			[]fixtures.User{{Username: "alice", Password: "alice-pw", Claims: map[string]any{"email": "alice@example.com", "address": map[string]any{"country": "CZ"}}}},
		),
		Revoke: func(ctx context.Context, sel provider.TokenSelector) error { _, err := f.Revoke(ctx, sel); return err },
	}
	testProviders = map[string]provider.Provider{"fake": f, "bare": bareProvider{}}
	t.Cleanup(func() { testProviders = map[string]provider.Provider{} })
	return f
}

func decodeBody(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return m
}

func TestMint(t *testing.T) {
	f := withProviders(t)
	_, h := newAdmin(t, "", nil)

	rec := call(h, http.MethodPost, "/_authmock/providers/fake/tokens", `{"client_id":"web","username":"alice","scopes":["openid"],"claims":{"role":"admin"},"ttl_seconds":30}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"access_token":"at-alice","expires_in":60,"jti":"jti-1"}`, rec.Body.String())
	assert.Equal(t, []provider.MintRequest{{ClientID: "web", Username: "alice", Scopes: []string{"openid"}, Claims: map[string]any{"role": "admin"}, TTLSeconds: 30}}, f.minted)

	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"unknown instance", "/_authmock/providers/nope/tokens", `{"client_id":"web"}`, 404, "not_found"},
		{"instance cannot mint", "/_authmock/providers/bare/tokens", `{"client_id":"web"}`, 501, "not_supported"},
		{"nothing named", "/_authmock/providers/fake/tokens", `{}`, 400, "invalid_request"},
		{"unknown member", "/_authmock/providers/fake/tokens", `{"client":"web"}`, 400, "invalid_request"},
		{"negative ttl", "/_authmock/providers/fake/tokens", `{"client_id":"web","ttl_seconds":-1}`, 400, "invalid_request"},
		{"not JSON", "/_authmock/providers/fake/tokens", `client_id=web`, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(h, http.MethodPost, tt.path, tt.body)
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
			assert.Equal(t, tt.code, decodeBody(t, rec.Body.String())["error"])
		})
	}
	assert.Len(t, f.minted, 1, "a refused call mints nothing")

	f.mintErr = errors.New(`no client "ghost"`)
	rec = call(h, http.MethodPost, "/_authmock/providers/fake/tokens", `{"client_id":"ghost"}`)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `no client \"ghost\"`)
}

func TestRevokeAndExpire(t *testing.T) {
	f := withProviders(t)
	_, h := newAdmin(t, "", nil)

	rec := call(h, http.MethodPost, "/_authmock/providers/fake/tokens/revoke", `{"username":"alice"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"access_tokens":2,"refresh_tokens":1}`, rec.Body.String())
	rec = call(h, http.MethodPost, "/_authmock/providers/fake/tokens/expire", `{"client_id":"web"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"access_tokens":1,"refresh_tokens":0}`, rec.Body.String())
	assert.Equal(t, []provider.TokenSelector{{Username: "alice"}}, f.revoked)
	assert.Equal(t, []provider.TokenSelector{{ClientID: "web"}}, f.expired)

	for _, tt := range []struct {
		name, path, body string
		status           int
	}{
		{"no selector", "/_authmock/providers/fake/tokens/revoke", `{}`, 400},
		{"two selectors", "/_authmock/providers/fake/tokens/expire", `{"username":"alice","client_id":"web"}`, 400},
		{"unknown member", "/_authmock/providers/fake/tokens/revoke", `{"user":"alice"}`, 400},
		{"unknown jti", "/_authmock/providers/fake/tokens/revoke", `{"jti":"nope"}`, 404},
		{"unknown instance", "/_authmock/providers/nope/tokens/revoke", `{"jti":"x"}`, 404},
		{"instance cannot revoke", "/_authmock/providers/bare/tokens/expire", `{"jti":"x"}`, 501},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(h, http.MethodPost, tt.path, tt.body)
			assert.Equal(t, tt.status, rec.Code, rec.Body.String())
		})
	}
	assert.Len(t, f.revoked, 1, "refused calls revoke nothing")
	assert.Len(t, f.expired, 1)
}

func TestFixtures(t *testing.T) {
	f := withProviders(t)
	_, h := newAdmin(t, "", nil)

	rec := call(h, http.MethodGet, "/_authmock/providers/fake/fixtures", "")
	assert.JSONEq(t, `{"kinds":["clients","users"]}`, rec.Body.String())

	rec = call(h, http.MethodGet, "/_authmock/providers/fake/clients", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, rec.Body.String(), "web-secret", "secrets are masked")
	assert.Contains(t, rec.Body.String(), `"secret":"[redacted sha256:`)

	rec = call(h, http.MethodPut, "/_authmock/providers/fake/users/carol", `{"password":"carol-pw","claims":{"email":"carol@example.com"}}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	got := decodeBody(t, rec.Body.String())
	assert.Equal(t, "carol", got["username"])
	assert.NotEqual(t, "carol-pw", got["password"])
	_, ok := f.Dir.CheckPassword("carol", "carol-pw")
	assert.True(t, ok, "the new user can sign in")

	rec = call(h, http.MethodPut, "/_authmock/providers/fake/users/carol", `{"password":"carol-pw2"}`)
	assert.Equal(t, http.StatusOK, rec.Code, "a replace is 200")

	// A merge patch changes what it names and keeps the rest.
	rec = call(h, http.MethodPatch, "/_authmock/providers/fake/users/alice", `{"password":"new-pw","claims":{"address":{"country":null,"city":"Brno"}}}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	u, ok := f.Dir.CheckPassword("alice", "new-pw")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"email": "alice@example.com", "address": map[string]any{"city": "Brno"}}, u.Claims)

	rec = call(h, http.MethodGet, "/_authmock/providers/fake/users/alice", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, rec.Body.String(), "new-pw")

	rec = call(h, http.MethodDelete, "/_authmock/providers/fake/users/carol", "")
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Equal(t, []provider.TokenSelector{{Username: "carol"}}, f.revoked, "a deleted user's tokens are revoked")
	_, ok = f.Dir.User("carol")
	assert.False(t, ok)
}

func TestFixtureErrorsChangeNothing(t *testing.T) {
	f := withProviders(t)
	_, h := newAdmin(t, "", nil)
	before := f.Dir.Users()

	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown kind", "GET", "/_authmock/providers/fake/clouds", "", 404, "not_found"},
		{"unknown item", "GET", "/_authmock/providers/fake/users/nobody", "", 404, "not_found"},
		{"patch unknown item", "PATCH", "/_authmock/providers/fake/users/nobody", `{"password":"x"}`, 404, "not_found"},
		{"delete unknown item", "DELETE", "/_authmock/providers/fake/users/nobody", "", 404, "not_found"},
		{"no fixtures", "GET", "/_authmock/providers/bare/users", "", 501, "not_supported"},
		{"unknown field", "PUT", "/_authmock/providers/fake/users/dave", `{"pasword":"x"}`, 400, "invalid_fixture"},
		{"not an object", "PUT", "/_authmock/providers/fake/users/dave", `["x"]`, 400, "invalid_request"},
		{"empty body", "PUT", "/_authmock/providers/fake/users/dave", ``, 400, "invalid_request"},
		{"id mismatch", "PUT", "/_authmock/providers/fake/users/dave", `{"username":"erin"}`, 400, "invalid_fixture"},
		{"patch makes it invalid", "PATCH", "/_authmock/providers/fake/clients/web", `{"secret":null}`, 400, "invalid_fixture"},
		{"patch not an object", "PATCH", "/_authmock/providers/fake/users/alice", `null`, 400, "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(h, tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			body := decodeBody(t, rec.Body.String())
			assert.Equal(t, tt.code, body["error"])
			if tt.code == "invalid_fixture" {
				assert.NotEmpty(t, body["problems"], "every problem is listed")
			}
		})
	}
	assert.Equal(t, before, f.Dir.Users())
	c, ok := f.Dir.LookupClient(context.Background(), "web")
	require.True(t, ok)
	assert.Equal(t, "web-secret", c.Secret)
	assert.Empty(t, f.revoked)
}

func TestMergePatch(t *testing.T) {
	// The examples of RFC 7396 Appendix A that apply to objects.
	for _, tt := range []struct{ doc, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	} {
		var doc, patch map[string]any
		require.NoError(t, json.Unmarshal([]byte(tt.doc), &doc))
		require.NoError(t, json.Unmarshal([]byte(tt.patch), &patch))
		got, err := json.Marshal(mergePatch(doc, patch))
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(got), "%s + %s", tt.doc, tt.patch)
	}
}

func TestConcurrentFixtureEdits(t *testing.T) {
	withProviders(t)
	_, h := newAdmin(t, "", nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				name := strings.Repeat("u", i+1)
				rec := call(h, http.MethodPut, "/_authmock/providers/fake/users/"+name, `{"password":"pw"}`)
				assert.Contains(t, []int{200, 201}, rec.Code)
				call(h, http.MethodGet, "/_authmock/providers/fake/users", "")
				if j%3 == 0 {
					call(h, http.MethodDelete, "/_authmock/providers/fake/users/"+name, "")
				}
			}
		}()
	}
	wg.Wait()
}

// Concurrent merge patches of different members of one item all land: a
// PATCH's read and write see no other change in between.
func TestConcurrentPatchesLoseNothing(t *testing.T) {
	f := withProviders(t)
	_, h := newAdmin(t, "", nil)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rec := call(h, http.MethodPatch, "/_authmock/providers/fake/users/alice", fmt.Sprintf(`{"claims":{"c%d":true}}`, i))
			assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
	wg.Wait()
	u, ok := f.Dir.User("alice")
	require.True(t, ok)
	assert.Len(t, u.Claims, n+2, "email, address and every patch's claim: %v", u.Claims)
}
