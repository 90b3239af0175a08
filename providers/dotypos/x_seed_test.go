package dotypos

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/server"
)

// seedConfig is a whole authmock configuration with one dotypos instance,
// served at /dotypos and, as with --root dotypos, at / too. The client uses
// the dummy redirect URI the documentation suggests for internal apps.
const seedConfig = `{"defaults": false, "server": {"addr": "127.0.0.1:0", "root": "dotypos"}, "providers": [
  {"name": "dotypos", "dialect": "dotypos", "mount": "/dotypos", "config": {
    "clients": [{"id": "my-client", "secret": "my-client-secret", "name": "My Integration",
                 "redirect_uris": ["https://dotykacka.cz"], "default_user": "owner"}],
    "users": [{"username": "owner"}],
    "clouds": [{"id": 314159265, "name": "Restaurace U Seedu", "_companyId": 27182818, "country": "CZ"},
               {"id": 271828182, "name": "Second Cloud"}],
    "user_clouds": {"owner": [314159265, 271828182]}
  }}
]}`

// startSeedServer runs the real server (router, middleware, mounting) with
// this dialect's factory and a frozen clock.
func startSeedServer(t *testing.T) *server.Server {
	t.Helper()
	cfg, ps := config.Load([]byte(seedConfig), t.TempDir(), map[string]provider.Factory{Dialect: Factory()})
	require.Empty(t, ps, "%v", ps)
	s, err := server.New(cfg, server.Options{Clock: clock.NewFrozen(t0)})
	require.NoError(t, err)
	require.NoError(t, s.Start(t.Context()))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestSeedFlow walks the documentation page's flow as it is written: the
// connector URL with its query parameters, the webhook's token and cloudid,
// signin with and without _cloudId, and the list of clouds.
func TestSeedFlow(t *testing.T) {
	s := startSeedServer(t)
	httpClient := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(req *http.Request) (int, http.Header, []byte) {
		t.Helper()
		res, err := httpClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, res.Header, body
	}
	// The real admin and API hosts become the instance's base URL.
	for name, base := range map[string]string{"mounted": s.ProviderURL("dotypos"), "root": s.URL()} {
		t.Run(name, func(t *testing.T) {
			// "https://admin.dotykacka.cz/client/connect?client_id={client_id}&client_secret={client_secret}&scope=*&redirect_uri={webhook}&state=my-state"
			connectURL := strings.NewReplacer(
				"https://admin.dotykacka.cz", base,
				"{client_id}", "my-client",
				"{client_secret}", "my-client-secret",
				"{webhook}", url.QueryEscape("https://dotykacka.cz"),
			).Replace("https://admin.dotykacka.cz/client/connect?client_id={client_id}&client_secret={client_secret}&scope=*&redirect_uri={webhook}&state=my-state")
			req, err := http.NewRequest(http.MethodGet, connectURL, nil)
			require.NoError(t, err)
			status, header, body := do(req)
			require.Equal(t, http.StatusFound, status, "%s", body)
			loc, err := url.Parse(header.Get("Location"))
			require.NoError(t, err)
			assert.Equal(t, "https://dotykacka.cz", loc.Scheme+"://"+loc.Host+loc.Path)
			token, cloudID := loc.Query().Get("token"), loc.Query().Get("cloudid")
			assert.Regexp(t, refreshTokenFormat, token)
			assert.Equal(t, "314159265", cloudID)
			assert.Equal(t, "my-state", loc.Query().Get("state"))

			// POST https://api.dotykacka.cz/v2/signin/token, "Authorization: User $refreshToken".
			apiBase := strings.Replace("https://api.dotykacka.cz/v2", "https://api.dotykacka.cz", base, 1)
			signin := func(body string) string {
				t.Helper()
				req, err := http.NewRequest(http.MethodPost, apiBase+"/signin/token", strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("Authorization", "User "+token)
				req.Header.Set("Content-Type", "application/json; charset=UTF-8")
				req.Header.Set("Accept", "application/json; charset=UTF-8")
				status, _, res := do(req)
				require.Equal(t, http.StatusCreated, status, "%s", res)
				var out struct {
					AccessToken string `json:"accessToken"`
				}
				require.NoError(t, json.Unmarshal(res, &out))
				require.NotEmpty(t, out.AccessToken)
				return out.AccessToken
			}
			withCloud := signin(`{"_cloudId": ` + cloudID + `}`)
			withoutCloud := signin(`{}`)

			get := func(path, access string) (int, []byte) {
				t.Helper()
				req, err := http.NewRequest(http.MethodGet, apiBase+path, nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+access)
				status, _, body := do(req)
				return status, body
			}
			wantList := `{"currentPage":1,"perPage":20,"totalItemsOnPage":1,"totalItemsCount":1,"firstPage":1,"lastPage":1,"nextPage":null,"prevPage":null,
				"data":[{"id":314159265,"1ClickId":null,"_companyId":27182818,"country":"CZ","deleted":false,"expired":false,"name":"Restaurace U Seedu","restricted":false,"segment":null}]}`
			for _, access := range []string{withCloud, withoutCloud} {
				status, body := get("/clouds", access)
				require.Equal(t, http.StatusOK, status, "%s", body)
				assert.JSONEq(t, wantList, string(body))
			}
			status, _ = get("/clouds/"+cloudID, withCloud)
			assert.Equal(t, http.StatusOK, status)
			status, body = get("/clouds/"+cloudID, withoutCloud)
			assert.Equal(t, http.StatusForbidden, status, "a token without a cloud can only list clouds")
			assert.JSONEq(t, errorJSON(t0, 403, ReasonCloudForbidden, msgNotThisCloud), string(body))
		})
	}

	// Clients read message and status of a 405, so the server's misses on
	// the mount (and at the root, where --root serves the instance) are
	// the API's error object too.
	t.Run("wrong methods are 405 through the real router, in the API's error shape", func(t *testing.T) {
		for _, mount := range []string{"/dotypos", ""} {
			for _, tc := range []struct{ method, path, allow string }{
				{http.MethodPost, PathConnect, "GET, HEAD"}, {http.MethodGet, PathConnectV2, "POST"},
				{http.MethodGet, PathSignin, "POST"}, {http.MethodPost, PathClouds, "GET, HEAD"},
			} {
				req, err := http.NewRequest(tc.method, s.URL()+mount+tc.path, nil)
				require.NoError(t, err)
				status, header, body := do(req)
				assert.Equal(t, http.StatusMethodNotAllowed, status, "%s %s%s", tc.method, mount, tc.path)
				assert.Equal(t, tc.allow, header.Get("Allow"))
				assert.JSONEq(t, errorJSON(t0, 405, ReasonMethodNotAllowed, tc.method+" is not allowed on "+mount+tc.path), string(body))
			}
		}
	})
	t.Run("an unknown path is a 404 in the API's error shape", func(t *testing.T) {
		for _, path := range []string{"/dotypos/v2/nothing", "/v2/nothing"} {
			req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
			require.NoError(t, err)
			status, _, body := do(req)
			assert.Equal(t, http.StatusNotFound, status)
			assert.JSONEq(t, errorJSON(t0, 404, ReasonNotFound, "no route for GET "+path), string(body))
		}
	})
}
