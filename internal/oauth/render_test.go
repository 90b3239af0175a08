package oauth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

const jsonType = "application/json;charset=UTF-8"

func TestRFC6749Renderer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		realm      string
		auth       string
		err        *oauth.Error
		wantStatus int
		wantHeader http.Header
		wantBody   string
	}{
		{
			name:       "invalid_request with description and uri",
			err:        &oauth.Error{Code: oauth.CodeInvalidRequest, Description: "grant_type is required", URI: "https://docs.example/errors#grant_type"},
			wantStatus: 400,
			wantBody:   `{"error":"invalid_request","error_description":"grant_type is required","error_uri":"https://docs.example/errors#grant_type"}`,
		},
		{
			name:       "bare code has no optional members",
			err:        oauth.ErrInvalidGrant,
			wantStatus: 400,
			wantBody:   `{"error":"invalid_grant"}`,
		},
		{
			name:       "invalid_client after HTTP Basic gets a Basic challenge",
			auth:       "Basic d2ViOndyb25n",
			err:        oauth.InvalidClient("client authentication failed"),
			wantStatus: 401,
			wantHeader: http.Header{"Www-Authenticate": {`Basic realm="authmock"`}},
			wantBody:   `{"error":"invalid_client","error_description":"client authentication failed"}`,
		},
		{
			name:       "the challenge names the configured realm",
			realm:      "trackmania",
			auth:       "basic d2ViOndyb25n",
			err:        oauth.InvalidClient("client authentication failed"),
			wantStatus: 401,
			wantHeader: http.Header{"Www-Authenticate": {`Basic realm="trackmania"`}},
			wantBody:   `{"error":"invalid_client","error_description":"client authentication failed"}`,
		},
		{
			name:       "invalid_client without HTTP Basic has no challenge",
			err:        oauth.InvalidClient("client authentication failed"),
			wantStatus: 401,
			wantBody:   `{"error":"invalid_client","error_description":"client authentication failed"}`,
		},
		{
			name:       "invalid_client after a Bearer header has no Basic challenge",
			auth:       "Bearer abc",
			err:        oauth.InvalidClient("client authentication failed"),
			wantStatus: 401,
			wantBody:   `{"error":"invalid_client","error_description":"client authentication failed"}`,
		},
		{
			name:       "invalid_client sent as 400 has no challenge",
			auth:       "Basic d2ViOndyb25n",
			err:        oauth.InvalidClient("x").WithStatus(400),
			wantStatus: 400,
			wantBody:   `{"error":"invalid_client","error_description":"x"}`,
		},
		{
			name:       "an error's own challenge is kept",
			auth:       "Basic d2ViOndyb25n",
			err:        oauth.InvalidClient("x").WithHeader("WWW-Authenticate", `Basic realm="custom", charset="UTF-8"`),
			wantStatus: 401,
			wantHeader: http.Header{"Www-Authenticate": {`Basic realm="custom", charset="UTF-8"`}},
			wantBody:   `{"error":"invalid_client","error_description":"x"}`,
		},
		{
			name:       "other codes never get a challenge",
			auth:       "Basic d2ViOndyb25n",
			err:        oauth.InvalidGrant("expired"),
			wantStatus: 400,
			wantBody:   `{"error":"invalid_grant","error_description":"expired"}`,
		},
		{
			name:       "extra headers such as Retry-After are sent",
			err:        (&oauth.Error{Code: oauth.CodeTemporarilyUnavailable, Description: "try later"}).WithHeader("Retry-After", "30"),
			wantStatus: 503,
			wantHeader: http.Header{"Retry-After": {"30"}},
			wantBody:   `{"error":"temporarily_unavailable","error_description":"try later"}`,
		},
		{
			name:       "description is JSON-escaped",
			err:        oauth.InvalidScope(`scope "a\b" is not allowed`),
			wantStatus: 400,
			wantBody:   `{"error":"invalid_scope","error_description":"scope \"a\\b\" is not allowed"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/token", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			oauth.RFC6749Renderer{Realm: tc.realm}.WriteError(w, r, tc.err)

			assert.Equal(t, tc.wantStatus, w.Code)
			want := http.Header{
				"Content-Type":  {jsonType},
				"Cache-Control": {"no-store"},
				"Pragma":        {"no-cache"},
			}
			for k, v := range tc.wantHeader {
				want[http.CanonicalHeaderKey(k)] = v
			}
			assert.Equal(t, want, w.Header())
			assert.JSONEq(t, tc.wantBody, w.Body.String())
		})
	}
}

func TestRFC6749RendererDoesNotModifyError(t *testing.T) {
	t.Parallel()
	e := oauth.InvalidClient("x")
	r := httptest.NewRequest(http.MethodPost, "/token", nil)
	r.Header.Set("Authorization", "Basic Og==")
	oauth.RFC6749Renderer{}.WriteError(httptest.NewRecorder(), r, e)
	assert.Equal(t, &oauth.Error{Code: oauth.CodeInvalidClient, Description: "x"}, e)
}

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
		wantLevel  string
		wantCause  string
	}{
		{
			name:       "protocol error",
			err:        oauth.InvalidGrant("code expired"),
			wantStatus: 400,
			wantBody:   `{"error":"invalid_grant","error_description":"code expired"}`,
			wantLevel:  "INFO",
		},
		{
			name:       "wrapped protocol error keeps its code",
			err:        errors.Join(errors.New("context"), oauth.InvalidScope("nope")),
			wantStatus: 400,
			wantBody:   `{"error":"invalid_scope","error_description":"nope"}`,
			wantLevel:  "INFO",
		},
		{
			name:       "unknown error is a generic server_error, cause logged only",
			err:        errors.New("sql: connection refused at db.go:42"),
			wantStatus: 500,
			wantBody:   `{"error":"server_error","error_description":"the server failed to handle the request"}`,
			wantLevel:  "ERROR",
			wantCause:  "sql: connection refused at db.go:42",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&buf, nil))
			h := oauth.Handle(logger, oauth.RFC6749Renderer{}, func(http.ResponseWriter, *http.Request) error { return tc.err })
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/oidc/token?secret=x", nil))

			assert.Equal(t, tc.wantStatus, w.Code)
			assert.JSONEq(t, tc.wantBody, w.Body.String())

			var rec map[string]any
			dec := json.NewDecoder(&buf)
			require.NoError(t, dec.Decode(&rec))
			assert.False(t, dec.More(), "one log record per failure")
			assert.Equal(t, tc.wantLevel, rec["level"])
			assert.Equal(t, "request failed", rec["msg"])
			assert.Equal(t, "POST", rec["method"])
			assert.Equal(t, "/oidc/token", rec["path"])
			logged, _ := rec["error"].(map[string]any)
			require.NotNil(t, logged)
			cause, _ := logged["cause"].(string)
			assert.Equal(t, tc.wantCause, cause)
		})
	}
}

func TestHandleSuccessWritesNothingMore(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := oauth.Handle(slog.New(slog.NewJSONHandler(&buf, nil)), oauth.RFC6749Renderer{}, func(w http.ResponseWriter, _ *http.Request) error {
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Empty(t, w.Body.String())
	assert.Empty(t, buf.String())
}
