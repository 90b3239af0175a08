package authmocktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/authmocktest"
)

// These tests pin, for every route each dialect mounts, the answer an
// injected fault gets: the renderer the route declared when it was
// mounted writes it. Each table must name every mounted route (the admin
// API's route list), so a route added without a row fails here, and the
// invalid_client row (with HTTP Basic) tells a declared renderer from the
// server's fallback, whose realm differs.

// rendered is the part of an answer a client reads: status, body and the
// headers a renderer sets.
type rendered struct {
	status       int
	body         string // JSON unless contentType says otherwise
	challenge    string // WWW-Authenticate
	retryAfter   string
	contentType  string
	cacheControl string
}

// faultCase is one preset queued on a route; basic sends an HTTP Basic
// Authorization header (invalid_client answers depend on it). The case
// twoAuthorization queues nothing and sends two Authorization headers,
// which the server refuses on every route (oauth.SingleAuthorization) in
// the renderer the route declared.
type faultCase struct {
	preset string
	basic  bool
}

var twoAuthorization = faultCase{preset: "two Authorization headers"}

var faultCases = []faultCase{
	{preset: "invalid_grant"},
	{preset: "expired_token"},
	{preset: "server_error"},
	{preset: "rate_limited"},
	{preset: "invalid_client", basic: true},
}

// The descriptions the presets carry (internal/faults/rule.go).
const (
	descGrant   = "injected fault: the grant is invalid, expired or revoked"
	descExpired = "injected fault: the access token expired"
	descServer  = "the server failed to handle the request"
	descLimited = "injected fault: too many requests"
	descClient  = "injected fault: client authentication failed"
	descTwoAuth = "the request carries 2 Authorization headers; send one"
)

// routeRow is one mounted route: the method and concrete path a client
// uses, and what each preset answers there.
type routeRow struct {
	method string
	path   string
	want   func(c faultCase) rendered
}

// mountedRoutes lists the instance's route templates from the admin API.
func mountedRoutes(t *testing.T, am *authmocktest.Server, name string) []string {
	t.Helper()
	res := call(t, am, http.MethodGet, am.URL()+"/_authmock/providers/"+name+"/routes", nil, "")
	require.Equal(t, http.StatusOK, res.status, res.body)
	var list struct {
		Routes []struct {
			Path string `json:"path"`
		} `json:"routes"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.body), &list))
	var out []string
	for _, r := range list.Routes {
		out = append(out, r.Path)
	}
	slices.Sort(out)
	return out
}

// checkRouteRenderers queues each fault case on each route of the
// instance and compares the answer with the row's; with twoAuth, it also
// sends each route two Authorization headers.
func checkRouteRenderers(t *testing.T, name string, twoAuth bool, rows func(am *authmocktest.Server) map[string]routeRow) {
	am := authmocktest.New(t)
	table := rows(am)
	var named []string
	for tpl := range table {
		named = append(named, tpl)
	}
	slices.Sort(named)
	require.Equal(t, mountedRoutes(t, am, name), named, "every mounted route has a row, and every row a route")
	for _, tpl := range named {
		row := table[tpl]
		cases := faultCases
		if twoAuth {
			cases = append(slices.Clone(cases), twoAuthorization)
		}
		for _, c := range cases {
			t.Run(strings.TrimPrefix(tpl, "/")+"/"+c.preset, func(t *testing.T) {
				req, err := http.NewRequestWithContext(t.Context(), row.method, am.ProviderURL(name)+row.path, nil)
				require.NoError(t, err)
				switch c {
				case twoAuthorization:
					req.Header.Add("Authorization", "Bearer one")
					req.Header.Add("Authorization", "Bearer two")
				default:
					am.QueueFault(authmocktest.Fault{Provider: name, Method: row.method, Path: tpl, Preset: c.preset})
				}
				if c.basic {
					req.Header.Set("Authorization", "Basic Y2xpZW50OnNlY3JldA==") // client:secret
				}
				res := do(t, am, req)
				want := row.want(c)
				assert.Equal(t, want.status, res.status)
				if strings.HasPrefix(want.contentType, "application/json") {
					assert.JSONEq(t, atNow(am, want.body), res.body)
				} else {
					assert.Equal(t, want.body, res.body)
				}
				assert.Equal(t, want.challenge, res.header.Get("WWW-Authenticate"), "WWW-Authenticate")
				assert.Equal(t, want.retryAfter, res.header.Get("Retry-After"), "Retry-After")
				assert.Equal(t, want.contentType, res.header.Get("Content-Type"), "Content-Type")
				assert.Equal(t, want.cacheControl, res.header.Get("Cache-Control"), "Cache-Control")
				assert.Empty(t, am.Faults(), "the fault fired")
			})
		}
	}
}

func do(t *testing.T, am *authmocktest.Server, req *http.Request) exchange {
	t.Helper()
	res, err := am.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return exchange{res.StatusCode, res.Header, string(b)}
}

// oauthJSON is an RFC 6749 §5.2 body.
func oauthJSON(code, desc string) string {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return string(b)
}

const jsonType = "application/json;charset=UTF-8"

// rfc6749Answer is RFC 6749 JSON: a Basic challenge in realm for a failed
// Basic client authentication (§5.2).
func rfc6749Answer(realm string) func(c faultCase) rendered {
	return func(c faultCase) rendered {
		r := rendered{contentType: jsonType, cacheControl: "no-store"}
		switch c.preset {
		case "invalid_grant":
			r.status, r.body = 400, oauthJSON("invalid_grant", descGrant)
		case "expired_token":
			r.status, r.body = 401, oauthJSON("invalid_token", descExpired)
		case "server_error":
			r.status, r.body = 500, oauthJSON("server_error", descServer)
		case "rate_limited":
			r.status, r.body, r.retryAfter = 429, oauthJSON("slow_down", descLimited), "1"
		case "invalid_client":
			r.status, r.body, r.challenge = 401, oauthJSON("invalid_client", descClient), `Basic realm="`+realm+`"`
		case twoAuthorization.preset:
			r.status, r.body = 400, oauthJSON("invalid_request", descTwoAuth)
		}
		return r
	}
}

// bearerAnswer is RFC 6750 §3: the same body, and a Bearer challenge
// naming the error.
func bearerAnswer(realm string) func(c faultCase) rendered {
	return func(c faultCase) rendered {
		r := rfc6749Answer(realm)(c)
		code, desc := "", ""
		switch c.preset {
		case "invalid_grant":
			code, desc = "invalid_grant", descGrant
		case "expired_token":
			code, desc = "invalid_token", descExpired
		case "server_error":
			code, desc = "server_error", descServer
		case "rate_limited":
			code, desc = "slow_down", descLimited
		case "invalid_client":
			code, desc = "invalid_client", descClient
		case twoAuthorization.preset:
			code, desc = "invalid_request", descTwoAuth
		}
		r.challenge = `Bearer realm="` + realm + `", error="` + code + `", error_description="` + desc + `"`
		return r
	}
}

func TestRouteRenderersOIDC(t *testing.T) {
	checkRouteRenderers(t, "oidc", true, func(am *authmocktest.Server) map[string]routeRow {
		issuer := am.ProviderURL("oidc")
		rfc, bearer := rfc6749Answer(issuer), bearerAnswer(issuer)
		return map[string]routeRow{
			"/token":                            {http.MethodPost, "/token", rfc},
			"/device_authorization":             {http.MethodPost, "/device_authorization", rfc},
			"/device":                           {http.MethodGet, "/device", rfc},
			"/device/decision":                  {http.MethodPost, "/device/decision", rfc},
			"/.well-known/openid-configuration": {http.MethodGet, "/.well-known/openid-configuration", rfc},
			"/.well-known/oauth-authorization-server": {http.MethodGet, "/.well-known/oauth-authorization-server", rfc},
			"/jwks":               {http.MethodGet, "/jwks", rfc},
			"/authorize":          {http.MethodGet, "/authorize", rfc},
			"/authorize/decision": {http.MethodPost, "/authorize/decision", rfc},
			"/userinfo":           {http.MethodGet, "/userinfo", bearer},
			"/introspect":         {http.MethodPost, "/introspect", rfc},
			"/revoke":             {http.MethodPost, "/revoke", rfc},
			"/par":                {http.MethodPost, "/par", rfc},
			"/end_session":        {http.MethodGet, "/end_session", rfc},
		}
	})
}

// league/oauth2-server's texts (providers/trackmania/league.go).
const (
	leagueClientText  = "Client authentication failed"
	leagueRequestText = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	leagueServerText  = "The authorization server encountered an unexpected condition which prevented it from fulfilling the request: "
)

// leagueAnswer is league/oauth2-server's error JSON at the token endpoint.
func leagueAnswer(c faultCase) rendered {
	r := rendered{contentType: jsonType, cacheControl: "no-store"}
	body := func(code, desc, hint string) string {
		m := map[string]string{"error": code, "error_description": desc, "message": desc}
		if hint != "" {
			m["hint"] = hint
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	switch c.preset {
	case "invalid_grant":
		r.status, r.body = 400, body("invalid_grant", leagueInvalidGrant, descGrant)
	case "expired_token":
		r.status, r.body = 401, body("invalid_token", descExpired, "")
	case "server_error":
		r.status, r.body = 500, body("server_error", leagueServerText+descServer, "")
	case "rate_limited":
		r.status, r.body, r.retryAfter = 429, body("slow_down", descLimited, ""), "1"
	case "invalid_client":
		r.status, r.body, r.challenge = 401, body("invalid_client", leagueClientText, ""), `Basic realm="OAuth"`
	case twoAuthorization.preset:
		r.status, r.body = 400, body("invalid_request", leagueRequestText, descTwoAuth)
	}
	return r
}

func TestRouteRenderersTrackmania(t *testing.T) {
	checkRouteRenderers(t, "trackmania", true, func(am *authmocktest.Server) map[string]routeRow {
		issuer := am.ProviderURL("trackmania")
		rfc, bearer := rfc6749Answer(issuer), bearerAnswer(issuer)
		return map[string]routeRow{
			"/api/access_token":              {http.MethodPost, "/api/access_token", leagueAnswer},
			"/oauth/authorize":               {http.MethodGet, "/oauth/authorize", rfc},
			"/oauth/authorize/decision":      {http.MethodPost, "/oauth/authorize/decision", rfc},
			"/api/user":                      {http.MethodGet, "/api/user", bearer},
			"/api/display-names":             {http.MethodGet, "/api/display-names", bearer},
			"/api/display-names/account-ids": {http.MethodGet, "/api/display-names/account-ids", bearer},
			"/api/user/clubs/admin":          {http.MethodGet, "/api/user/clubs/admin", bearer},
			"/api/user/maps/favorite":        {http.MethodGet, "/api/user/maps/favorite", bearer},
			"/api/user/maps/favorite/add":    {http.MethodPost, "/api/user/maps/favorite/add", bearer},
			"/api/user/maps/favorite/remove": {http.MethodPost, "/api/user/maps/favorite/remove", bearer},
		}
	})
}

// fastapiAnswer is FastAPI's {"detail": ...} in the wording of the route's
// kind: the login routes (login, logout, users/me) or the refresh routes.
func fastapiAnswer(refresh bool) func(c faultCase) rendered {
	return func(c faultCase) rendered {
		detail := func(s string) string { b, _ := json.Marshal(map[string]string{"detail": s}); return string(b) }
		r := rendered{contentType: "application/json"}
		switch c.preset {
		case "invalid_grant":
			r.status, r.body = 400, detail("LOGIN_BAD_CREDENTIALS")
			if refresh {
				r.status, r.body = 401, detail("Refresh token expired; Please login again")
			}
		case "expired_token":
			r.status, r.body = 401, detail("Unauthorized")
		case "server_error":
			r.status, r.body, r.contentType = 500, "Internal Server Error", "text/plain; charset=utf-8"
		case "rate_limited":
			r.status, r.body, r.retryAfter = 429, detail("Too Many Requests"), "1"
		case "invalid_client":
			r.status, r.body = 401, detail("Unauthorized")
			if refresh {
				r.body = detail("Invalid Client ID")
			}
		case twoAuthorization.preset:
			r.status, r.body = 400, detail(descTwoAuth)
		}
		return r
	}
}

func TestRouteRenderersFastAPI(t *testing.T) {
	checkRouteRenderers(t, "fastapi", true, func(*authmocktest.Server) map[string]routeRow {
		login, refresh := fastapiAnswer(false), fastapiAnswer(true)
		return map[string]routeRow{
			"/auth/jwt/login":           {http.MethodPost, "/auth/jwt/login", login},
			"/auth/jwt/refresh":         {http.MethodPost, "/auth/jwt/refresh", refresh},
			"/auth/jwt/postman-refresh": {http.MethodPost, "/auth/jwt/postman-refresh", refresh},
			"/auth/jwt/postman_refresh": {http.MethodPost, "/auth/jwt/postman_refresh", refresh},
			"/auth/jwt/logout":          {http.MethodPost, "/auth/jwt/logout", login},
			"/users/me":                 {http.MethodGet, "/users/me", login},
		}
	})
}

// dotyposAnswer is the Dotypos API's error object.
func dotyposAnswer(c faultCase) rendered {
	body := func(status int, reason, message string) string {
		b, _ := json.Marshal(map[string]any{
			"timestamp": nowTS, "status": status, "error": http.StatusText(status), "reason": reason, "message": message,
		})
		return string(b)
	}
	r := rendered{contentType: jsonType, cacheControl: "no-store"}
	switch c.preset {
	case "invalid_grant":
		r.status, r.body = 401, body(401, "INVALID_REFRESH_TOKEN", descGrant)
	case "expired_token":
		r.status, r.body = 403, body(403, "ACCESS_TOKEN_EXPIRED", descExpired)
	case "server_error":
		r.status, r.body = 500, body(500, "INTERNAL_SERVER_ERROR", descServer)
	case "rate_limited":
		r.status, r.body, r.retryAfter = 429, body(429, "TOO_MANY_REQUESTS", descLimited), "1"
	case "invalid_client":
		r.status, r.body = 401, body(401, "INVALID_AUTH_HEADER", descClient)
	}
	return r
}

// Dotypos answers several Authorization headers itself
// (provider.AuthorizationChecker), so only faults are checked.
func TestRouteRenderersDotypos(t *testing.T) {
	checkRouteRenderers(t, "dotypos", false, func(*authmocktest.Server) map[string]routeRow {
		return map[string]routeRow{
			"/v2/signin/token":               {http.MethodPost, "/v2/signin/token", dotyposAnswer},
			"/v2/clouds":                     {http.MethodGet, "/v2/clouds", dotyposAnswer},
			"/v2/clouds/{cloudId}":           {http.MethodGet, "/v2/clouds/123456789", dotyposAnswer},
			"/v2/clouds/{cloudId}/{rest:.*}": {http.MethodGet, "/v2/clouds/123456789/branches", dotyposAnswer},
			"/client/connect":                {http.MethodGet, "/client/connect", dotyposAnswer},
			"/client/connect/v2":             {http.MethodPost, "/client/connect/v2", dotyposAnswer},
			"/v2/client/connect":             {http.MethodPost, "/v2/client/connect", dotyposAnswer},
			"/client/connect/decision":       {http.MethodPost, "/client/connect/decision", dotyposAnswer},
		}
	})
}

// TestRouteRendererAtTheRoot: an instance served at / as well (--root)
// declares the same renderers there.
func TestRouteRendererAtTheRoot(t *testing.T) {
	am := authmocktest.New(t, authmocktest.WithRoot("oidc"))
	for _, base := range []string{am.URL(), am.ProviderURL("oidc")} {
		am.QueueFault(authmocktest.Fault{Provider: "oidc", Path: "/userinfo", Preset: "expired_token"})
		res := call(t, am, http.MethodGet, base+"/userinfo", nil, "")
		assert.Equal(t, http.StatusUnauthorized, res.status, base)
		assert.JSONEq(t, oauthJSON("invalid_token", descExpired), res.body, base)
		assert.True(t, strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer realm="), base)
		assert.Contains(t, res.header.Get("WWW-Authenticate"), `error="invalid_token"`, base)
		assert.Empty(t, am.Faults(), "the fault fired at %s", base)
	}
}
