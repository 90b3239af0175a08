package oauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

func TestBearerRenderer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		realm         string
		auth          string
		err           *oauth.Error
		wantStatus    int
		wantChallenge string
		wantBody      string
	}{
		{
			name:          "no token: bare challenge with realm",
			realm:         "authmock",
			err:           oauth.MissingToken("authmock"),
			wantStatus:    401,
			wantChallenge: `Bearer realm="authmock"`,
			wantBody:      `{"error":"invalid_token","error_description":"a bearer token is required"}`,
		},
		{
			name:          "no token, no realm: the bare scheme",
			err:           oauth.MissingToken(""),
			wantStatus:    401,
			wantChallenge: `Bearer`,
			wantBody:      `{"error":"invalid_token","error_description":"a bearer token is required"}`,
		},
		{
			name:          "bad token names invalid_token",
			realm:         "authmock",
			auth:          "Bearer expired",
			err:           oauth.InvalidToken("the access token expired"),
			wantStatus:    401,
			wantChallenge: `Bearer realm="authmock", error="invalid_token", error_description="the access token expired"`,
			wantBody:      `{"error":"invalid_token","error_description":"the access token expired"}`,
		},
		{
			name:          "no realm configured",
			err:           oauth.InvalidToken("revoked"),
			wantStatus:    401,
			wantChallenge: `Bearer error="invalid_token", error_description="revoked"`,
			wantBody:      `{"error":"invalid_token","error_description":"revoked"}`,
		},
		{
			name:          "bare sentinel has no description attribute",
			err:           oauth.ErrInvalidToken,
			wantStatus:    401,
			wantChallenge: `Bearer error="invalid_token"`,
			wantBody:      `{"error":"invalid_token"}`,
		},
		{
			name:          "insufficient_scope is 403",
			realm:         "api",
			err:           oauth.InsufficientScope("requires scope profile"),
			wantStatus:    403,
			wantChallenge: `Bearer realm="api", error="insufficient_scope", error_description="requires scope profile"`,
			wantBody:      `{"error":"insufficient_scope","error_description":"requires scope profile"}`,
		},
		{
			name:          "invalid_request is 400",
			err:           oauth.InvalidRequest("two tokens"),
			wantStatus:    400,
			wantChallenge: `Bearer error="invalid_request", error_description="two tokens"`,
			wantBody:      `{"error":"invalid_request","error_description":"two tokens"}`,
		},
		{
			name:          "double quotes in the description cannot break the challenge",
			err:           oauth.InvalidToken(`bad "kid"`),
			wantStatus:    401,
			wantChallenge: `Bearer error="invalid_token", error_description="bad 'kid'"`,
			wantBody:      `{"error":"invalid_token","error_description":"bad \"kid\""}`,
		},
		{
			name:          "a Basic Authorization header does not turn it into a Basic challenge",
			auth:          "Basic d2ViOnM=",
			err:           oauth.InvalidClient("x"),
			wantStatus:    401,
			wantChallenge: `Bearer error="invalid_client", error_description="x"`,
			wantBody:      `{"error":"invalid_client","error_description":"x"}`,
		},
		{
			name:          "status override is kept",
			err:           oauth.InvalidToken("x").WithStatus(400),
			wantStatus:    400,
			wantChallenge: `Bearer error="invalid_token", error_description="x"`,
			wantBody:      `{"error":"invalid_token","error_description":"x"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/userinfo", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			oauth.BearerRenderer{Realm: tc.realm}.WriteError(w, r, tc.err)

			assert.Equal(t, tc.wantStatus, w.Code)
			assert.Equal(t, http.Header{
				"Content-Type":     {jsonType},
				"Cache-Control":    {"no-store"},
				"Pragma":           {"no-cache"},
				"Www-Authenticate": {tc.wantChallenge},
			}, w.Header())
			assert.JSONEq(t, tc.wantBody, w.Body.String())
		})
	}
}

func TestBearerRendererKeepsOtherHeaders(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	e := (&oauth.Error{Code: oauth.CodeTemporarilyUnavailable}).WithHeader("Retry-After", "10")
	oauth.BearerRenderer{}.WriteError(w, httptest.NewRequest(http.MethodGet, "/", nil), e)
	assert.Equal(t, 503, w.Code)
	assert.Equal(t, []string{"10"}, w.Header().Values("Retry-After"), "copied once, not twice")
}

func TestMissingToken(t *testing.T) {
	t.Parallel()
	e := oauth.MissingToken("authmock")
	require.ErrorIs(t, e, oauth.ErrInvalidToken)
	assert.Equal(t, http.StatusUnauthorized, e.StatusCode())
	assert.Equal(t, http.Header{"Www-Authenticate": {`Bearer realm="authmock"`}}, e.Header)
}

func TestRequireBearer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		auth      string
		wantToken string
		wantErr   bool
	}{
		{name: "token", auth: "Bearer abc", wantToken: "abc"},
		{name: "case-insensitive scheme", auth: "bearer abc", wantToken: "abc"},
		{name: "no header", wantErr: true},
		{name: "empty credentials", auth: "Bearer ", wantErr: true},
		{name: "Basic", auth: "Basic YTpi", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			token, err := oauth.RequireBearer(r, "realm")
			if tc.wantErr {
				e := requireOAuthError(t, err, oauth.CodeInvalidToken, "a bearer token is required")
				assert.Equal(t, `Bearer realm="realm"`, e.Header.Get("WWW-Authenticate"))
				assert.Empty(t, token)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantToken, token)
		})
	}
}

func TestBearerChallenge(t *testing.T) {
	t.Parallel()
	assert.Equal(t, `Bearer realm="a", error="invalid_token"`, oauth.BearerChallenge("a", oauth.ErrInvalidToken))
	assert.Equal(t, `Bearer realm="a \"b\"", error="invalid_token"`, oauth.BearerChallenge(`a "b"`, oauth.ErrInvalidToken), "realm is quoted")
}

func TestNeedScope(t *testing.T) {
	e := oauth.NeedScope("https://as.test", "clubs", "the access token lacks the clubs scope")
	assert.Equal(t, http.StatusForbidden, e.StatusCode())
	assert.Equal(t, `Bearer realm="https://as.test", error="insufficient_scope", error_description="the access token lacks the clubs scope", scope="clubs"`, e.Header.Get("WWW-Authenticate"))
	assert.Equal(t, `Bearer error="insufficient_scope"`, oauth.NeedScope("", "", "").Header.Get("WWW-Authenticate"))
}
