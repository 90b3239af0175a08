package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// fakeGrant records what it was given and answers with resp or err.
type fakeGrant struct {
	typ    oauth.GrantType
	public bool
	resp   *oauth.TokenResponse
	err    error

	calls int
	got   *oauth.TokenRequest
}

func (g *fakeGrant) Type() oauth.GrantType { return g.typ }
func (g *fakeGrant) AllowPublic() bool     { return g.public }
func (g *fakeGrant) Handle(_ context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	g.calls++
	g.got = req
	return g.resp, g.err
}

var endpointClients = clientMap{
	"web":     {ID: "web", Secret: "web-secret"},
	"spa":     {ID: "spa", Public: true},
	"service": {ID: "service", Secret: "svc-secret", GrantTypes: []string{"client_credentials"}},
}

type endpointResult struct {
	status int
	header http.Header
	body   string
	log    string
}

type endpointFixture struct {
	code    *fakeGrant // authorization_code, public allowed
	cc      *fakeGrant // client_credentials, confidential only
	maxBody int64
	wrap    func(http.Handler) http.Handler
}

func newEndpointFixture() *endpointFixture {
	return &endpointFixture{
		code:    &fakeGrant{typ: oauth.GrantAuthorizationCode, public: true, resp: &oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", ExpiresIn: 3600}},
		cc:      &fakeGrant{typ: oauth.GrantClientCredentials, resp: &oauth.TokenResponse{AccessToken: "cc-at", TokenType: "Bearer", ExpiresIn: 600}},
		maxBody: 1 << 10,
	}
}

func (f *endpointFixture) serve(t *testing.T, r *http.Request) endpointResult {
	t.Helper()
	var buf bytes.Buffer
	te := oauth.NewTokenEndpoint(endpointClients, oauth.RFC6749Renderer{}, slog.New(slog.NewJSONHandler(&buf, nil)), f.maxBody, f.code, f.cc)
	var h http.Handler = te
	if f.wrap != nil {
		h = f.wrap(h)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return endpointResult{status: w.Code, header: w.Header(), body: w.Body.String(), log: buf.String()}
}

func postForm(target, auth, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	webAuth := basicAuth("web", "web-secret")
	tests := []struct {
		name       string
		request    func() *http.Request
		maxBody    int64
		wrap       func(http.Handler) http.Handler
		wantStatus int
		wantHeader http.Header
		wantBody   string
	}{
		{
			name: "GET",
			request: func() *http.Request {
				return httptest.NewRequest(http.MethodGet, "/token?grant_type=client_credentials", nil)
			},
			wantStatus: 405,
			wantHeader: http.Header{"Allow": {"POST"}},
			wantBody:   `{"error":"invalid_request","error_description":"the token endpoint accepts POST only"}`,
		},
		{
			name: "PUT",
			request: func() *http.Request {
				r := postForm("/token", webAuth, "grant_type=client_credentials")
				r.Method = http.MethodPut
				return r
			},
			wantStatus: 405,
			wantHeader: http.Header{"Allow": {"POST"}},
			wantBody:   `{"error":"invalid_request","error_description":"the token endpoint accepts POST only"}`,
		},
		{
			name: "JSON body",
			request: func() *http.Request {
				r := postForm("/token", webAuth, `{"grant_type":"client_credentials"}`)
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"the request body must be application/x-www-form-urlencoded"}`,
		},
		{
			name: "no content type",
			request: func() *http.Request {
				r := postForm("/token", webAuth, "grant_type=client_credentials")
				r.Header.Del("Content-Type")
				return r
			},
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"the request body must be application/x-www-form-urlencoded"}`,
		},
		{
			name: "body over the endpoint's limit",
			request: func() *http.Request {
				return postForm("/token", webAuth, "grant_type=client_credentials&pad="+strings.Repeat("x", 100))
			},
			maxBody:    64,
			wantStatus: 413,
			wantBody:   `{"error":"invalid_request","error_description":"the request body is too large"}`,
		},
		{
			name: "body over the MaxBytes middleware's limit",
			request: func() *http.Request {
				return postForm("/token", webAuth, "grant_type=client_credentials&pad="+strings.Repeat("x", 100))
			},
			wrap:       httpx.MaxBytes(64),
			wantStatus: 413,
			wantBody:   `{"error":"invalid_request","error_description":"the request body is too large"}`,
		},
		{
			name:       "malformed form encoding",
			request:    func() *http.Request { return postForm("/token", webAuth, "grant_type=client_credentials&scope=%zz") },
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"the request body is not valid form encoding"}`,
		},
		{
			name: "duplicate grant_type",
			request: func() *http.Request {
				return postForm("/token", webAuth, "grant_type=client_credentials&grant_type=authorization_code")
			},
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"parameter \"grant_type\" was sent more than once"}`,
		},
		{
			name: "duplicate client_id",
			request: func() *http.Request {
				return postForm("/token", "", "grant_type=authorization_code&client_id=spa&client_id=web")
			},
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"parameter \"client_id\" was sent more than once"}`,
		},
		{
			name:       "missing grant_type",
			request:    func() *http.Request { return postForm("/token", webAuth, "scope=x") },
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"grant_type is required"}`,
		},
		{
			name:       "grant_type in the query string does not count",
			request:    func() *http.Request { return postForm("/token?grant_type=client_credentials", webAuth, "") },
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"grant_type is required"}`,
		},
		{
			name:       "unknown grant_type",
			request:    func() *http.Request { return postForm("/token", webAuth, "grant_type=password") },
			wantStatus: 400,
			wantBody:   `{"error":"unsupported_grant_type","error_description":"grant_type \"password\" is not supported"}`,
		},
		{
			name:       "unknown grant_type without client authentication reveals nothing about grants",
			request:    func() *http.Request { return postForm("/token", "", "grant_type=password") },
			wantStatus: 401,
			wantBody:   `{"error":"invalid_client","error_description":"client authentication is required (HTTP Basic, or client_id and client_secret in the body)"}`,
		},
		{
			name:       "no client authentication",
			request:    func() *http.Request { return postForm("/token", "", "grant_type=client_credentials") },
			wantStatus: 401,
			wantBody:   `{"error":"invalid_client","error_description":"client authentication is required (HTTP Basic, or client_id and client_secret in the body)"}`,
		},
		{
			name: "wrong secret in Basic gets a Basic challenge",
			request: func() *http.Request {
				return postForm("/token", basicAuth("web", "nope"), "grant_type=client_credentials")
			},
			wantStatus: 401,
			wantHeader: http.Header{"Www-Authenticate": {`Basic realm="authmock"`}},
			wantBody:   `{"error":"invalid_client","error_description":"client authentication failed"}`,
		},
		{
			name: "wrong secret in the body gets no challenge",
			request: func() *http.Request {
				return postForm("/token", "", "grant_type=client_credentials&client_id=web&client_secret=nope")
			},
			wantStatus: 401,
			wantBody:   `{"error":"invalid_client","error_description":"client authentication failed"}`,
		},
		{
			name: "two authentication methods",
			request: func() *http.Request {
				return postForm("/token", webAuth, "grant_type=client_credentials&client_secret=web-secret")
			},
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"the client authenticated with more than one method (HTTP Basic and client_secret)"}`,
		},
		{
			name:       "public client on a confidential-only grant",
			request:    func() *http.Request { return postForm("/token", "", "grant_type=client_credentials&client_id=spa") },
			wantStatus: 400,
			wantBody:   `{"error":"unauthorized_client","error_description":"a public client cannot use grant_type \"client_credentials\""}`,
		},
		{
			name:       "public client with an empty Basic secret on a confidential-only grant",
			request:    func() *http.Request { return postForm("/token", rawBasic("spa:"), "grant_type=client_credentials") },
			wantStatus: 400,
			wantBody:   `{"error":"unauthorized_client","error_description":"a public client cannot use grant_type \"client_credentials\""}`,
		},
		{
			name: "client not allowed the grant",
			request: func() *http.Request {
				return postForm("/token", basicAuth("service", "svc-secret"), "grant_type=authorization_code&code=c")
			},
			wantStatus: 400,
			wantBody:   `{"error":"unauthorized_client","error_description":"the client is not allowed to use grant_type \"authorization_code\""}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newEndpointFixture()
			if tc.maxBody != 0 {
				f.maxBody = tc.maxBody
			}
			f.wrap = tc.wrap
			res := f.serve(t, tc.request())

			assert.Equal(t, tc.wantStatus, res.status)
			want := http.Header{"Content-Type": {jsonType}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
			for k, v := range tc.wantHeader {
				want[k] = v
			}
			assert.Equal(t, want, res.header)
			assert.JSONEq(t, tc.wantBody, res.body)
			assert.Zero(t, f.code.calls+f.cc.calls, "no grant runs after a shared step failed")
		})
	}
}

func TestTokenEndpointSuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		auth       string
		body       string
		grant      func(*endpointFixture) *fakeGrant
		resp       *oauth.TokenResponse
		wantClient string
		wantMethod oauth.AuthMethod
		wantBody   string
	}{
		{
			name:       "confidential client, Basic",
			auth:       basicAuth("service", "svc-secret"),
			body:       "grant_type=client_credentials&scope=api%3Aread",
			grant:      func(f *endpointFixture) *fakeGrant { return f.cc },
			resp:       &oauth.TokenResponse{AccessToken: "cc-at", TokenType: "Bearer", ExpiresIn: 600, Scope: "api:read"},
			wantClient: "service",
			wantMethod: oauth.AuthClientSecretBasic,
			wantBody:   `{"access_token":"cc-at","token_type":"Bearer","expires_in":600,"scope":"api:read"}`,
		},
		{
			name:       "confidential client, client_secret_post",
			body:       "grant_type=authorization_code&code=c&client_id=web&client_secret=web-secret",
			grant:      func(f *endpointFixture) *fakeGrant { return f.code },
			resp:       &oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", ExpiresIn: 3600, RefreshToken: "rt", IDToken: "idt"},
			wantClient: "web",
			wantMethod: oauth.AuthClientSecretPost,
			wantBody:   `{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","id_token":"idt"}`,
		},
		{
			name:       "public client on a grant that allows it",
			body:       "grant_type=authorization_code&code=c&client_id=spa&code_verifier=v",
			grant:      func(f *endpointFixture) *fakeGrant { return f.code },
			resp:       &oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer"},
			wantClient: "spa",
			wantMethod: oauth.AuthNone,
			wantBody:   `{"access_token":"at","token_type":"Bearer"}`,
		},
		{
			name:  "Extra members are merged but cannot override standard ones",
			auth:  basicAuth("web", "web-secret"),
			body:  "grant_type=authorization_code&code=c",
			grant: func(f *endpointFixture) *fakeGrant { return f.code },
			resp: &oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", ExpiresIn: 60, Extra: map[string]any{
				"access_token": "forged", "token_type": "mac", "expires_in": "never",
				"cloud_id": 42, "nested": map[string]any{"a": []int{1, 2}},
			}},
			wantClient: "web",
			wantMethod: oauth.AuthClientSecretBasic,
			wantBody:   `{"access_token":"at","token_type":"Bearer","expires_in":60,"cloud_id":42,"nested":{"a":[1,2]}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newEndpointFixture()
			g := tc.grant(f)
			g.resp = tc.resp
			r := postForm("/token?ignored=1", tc.auth, tc.body)
			res := f.serve(t, r)

			assert.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, http.Header{"Content-Type": {jsonType}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}, res.header)
			assert.JSONEq(t, tc.wantBody, res.body)
			assert.Empty(t, res.log, "success is not logged by the endpoint")

			require.Equal(t, 1, g.calls)
			require.NotNil(t, g.got)
			wantForm, err := url.ParseQuery(tc.body)
			require.NoError(t, err)
			assert.Equal(t, g.typ, g.got.GrantType)
			assert.Equal(t, wantForm, g.got.Form, "the grant sees the body only")
			assert.Equal(t, endpointClients[tc.wantClient], g.got.Client)
			assert.Equal(t, tc.wantMethod, g.got.AuthMethod)
			assert.Same(t, r, g.got.HTTP)
		})
	}
}

func TestTokenEndpointGrantErrorRenderedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
		wantLevel  string
	}{
		{
			name:       "protocol error",
			err:        oauth.InvalidGrant("the authorization code was already used"),
			wantStatus: 400,
			wantBody:   `{"error":"invalid_grant","error_description":"the authorization code was already used"}`,
			wantLevel:  "INFO",
		},
		{
			name:       "protocol error with a Retry-After",
			err:        (&oauth.Error{Code: oauth.CodeTemporarilyUnavailable, Description: "busy"}).WithHeader("Retry-After", "3"),
			wantStatus: 503,
			wantBody:   `{"error":"temporarily_unavailable","error_description":"busy"}`,
			wantLevel:  "ERROR",
		},
		{
			name:       "internal error",
			err:        errors.New("sql: connection refused at db.go:42"),
			wantStatus: 500,
			wantBody:   `{"error":"server_error","error_description":"the server failed to handle the request"}`,
			wantLevel:  "ERROR",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newEndpointFixture()
			f.cc.resp, f.cc.err = nil, tc.err
			res := f.serve(t, postForm("/token", basicAuth("web", "web-secret"), "grant_type=client_credentials"))

			assert.Equal(t, tc.wantStatus, res.status)
			assert.JSONEq(t, tc.wantBody, res.body)
			dec := json.NewDecoder(strings.NewReader(res.body))
			var one map[string]any
			require.NoError(t, dec.Decode(&one))
			assert.False(t, dec.More(), "exactly one JSON body")
			assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
			assert.Equal(t, 1, f.cc.calls)
			assert.Equal(t, 1, strings.Count(res.log, "\n"), "one log line")
			assert.Contains(t, res.log, `"level":"`+tc.wantLevel+`"`)
			assert.NotContains(t, res.body, "sql")
		})
	}
}

func TestTokenResponseMarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		resp oauth.TokenResponse
		want string
	}{
		{
			name: "minimal",
			resp: oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer"},
			want: `{"access_token":"at","token_type":"Bearer"}`,
		},
		{
			name: "all members, expires_in in seconds",
			resp: oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", ExpiresIn: 3600, RefreshToken: "rt", Scope: "openid profile", IDToken: "h.p.s"},
			want: `{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","scope":"openid profile","id_token":"h.p.s"}`,
		},
		{
			name: "empty Extra is no Extra",
			resp: oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", Extra: map[string]any{}},
			want: `{"access_token":"at","token_type":"Bearer"}`,
		},
		{
			name: "Extra merged",
			resp: oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", ExpiresIn: 5, Extra: map[string]any{"user_id": "u1", "flags": []string{"a"}}},
			want: `{"access_token":"at","token_type":"Bearer","expires_in":5,"user_id":"u1","flags":["a"]}`,
		},
		{
			name: "Extra cannot override present members",
			resp: oauth.TokenResponse{AccessToken: "at", TokenType: "Bearer", Scope: "a", Extra: map[string]any{"access_token": "x", "token_type": "y", "scope": "admin"}},
			want: `{"access_token":"at","token_type":"Bearer","scope":"a"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.resp)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))

			pb, err := json.Marshal(&tc.resp)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(pb), "through a pointer too")
		})
	}
}

func TestTokenResponseMarshalJSONUnencodableExtra(t *testing.T) {
	t.Parallel()
	_, err := json.Marshal(oauth.TokenResponse{AccessToken: "at", Extra: map[string]any{"ch": make(chan int)}})
	require.Error(t, err)
}

func TestWriteToken(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	oauth.WriteToken(w, map[string]any{"access_token": "x"})
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, http.Header{"Content-Type": {jsonType}, "Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}, w.Header())
	assert.JSONEq(t, `{"access_token":"x"}`, w.Body.String())
}

func TestReadFormMapsTransportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ct         string
		body       string
		wantStatus int
		wantDesc   string
	}{
		{name: "not a form", ct: "text/plain", body: "a=1", wantStatus: 400, wantDesc: "the request body must be application/x-www-form-urlencoded"},
		{name: "too large", ct: "application/x-www-form-urlencoded", body: strings.Repeat("a", 11), wantStatus: 413, wantDesc: "the request body is too large"},
		{name: "malformed", ct: "application/x-www-form-urlencoded", body: "a=%", wantStatus: 400, wantDesc: "the request body is not valid form encoding"},
		{name: "duplicate", ct: "application/x-www-form-urlencoded", body: "b=1&a&b=2", wantStatus: 400, wantDesc: `parameter "b" was sent more than once`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := postForm("/", "", tc.body)
			r.Header.Set("Content-Type", tc.ct)
			form, err := oauth.ReadForm(r, 10)
			e := requireOAuthError(t, err, oauth.CodeInvalidRequest, tc.wantDesc)
			assert.Equal(t, tc.wantStatus, e.StatusCode())
			assert.Nil(t, form)
		})
	}
}

func TestReadFormReadFailureKeepsCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset by peer")
	r := postForm("/", "", "")
	r.Body = errBody{cause}
	_, err := oauth.ReadForm(r, 10)
	e := requireOAuthError(t, err, oauth.CodeInvalidRequest, "the request body could not be read")
	require.ErrorIs(t, e, cause)
}

type errBody struct{ err error }

func (b errBody) Read([]byte) (int, error) { return 0, b.err }
func (errBody) Close() error               { return nil }

var _ oauth.ClientSource = clientMap(nil)
