package faults

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

func known(name string) bool { return name == "tm" || name == "other" }

// upstream is a stand-in provider: it echoes the form it read, so tests see
// that a peeked body reached it whole.
func upstream(calls *atomic.Int32) http.Handler {
	r := mux.NewRouter()
	h := func(w http.ResponseWriter, req *http.Request) {
		calls.Add(1)
		b, _ := io.ReadAll(req.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(append([]byte("provider saw: "), b...))
	}
	r.HandleFunc("/tm/api/access_token", h).Methods(http.MethodPost)
	r.HandleFunc("/tm/api/user", h).Methods(http.MethodGet)
	r.HandleFunc("/tm/v2/clouds/{cloudId}", h).Methods(http.MethodGet)
	return r
}

func newTestQueue(t *testing.T) (*Queue, http.Handler, *atomic.Int32) {
	t.Helper()
	q := NewQueue(known)
	var calls atomic.Int32
	r := upstream(&calls).(*mux.Router)
	r.Use(q.Middleware("tm", "/tm", oauth.RFC6749Renderer{}))
	return q, r, &calls
}

func do(h http.Handler, method, target, form string, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req := httptest.NewRequest(method, target, body)
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, m := range mutate {
		m(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRuleValidation(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{"no provider", Rule{Preset: "invalid_grant"}, "provider is required"},
		{"unknown provider", Rule{Provider: "nope", Preset: "invalid_grant"}, `provider "nope" is not a running instance`},
		{"unknown preset", Rule{Provider: "tm", Preset: "teapot"}, `preset "teapot" is unknown (known: access_denied, delay, drop, expired_token, insufficient_scope, invalid_client, invalid_grant, invalid_request, invalid_scope, invalid_token, rate_limited, server_error, temporarily_unavailable, unauthorized_client)`},
		{"nothing to do", Rule{Provider: "tm"}, "give a preset, a status or a delay_ms"},
		{"bad status", Rule{Provider: "tm", Status: 99}, "status 99 is not an HTTP status from 200 to 599"},
		{"relative path", Rule{Provider: "tm", Status: 500, Path: "api/user"}, "path must start with /"},
		{"bad template", Rule{Provider: "tm", Status: 500, Path: "/v2/{id"}, "path: mux: unbalanced braces in \"/v2/{id\""},
		{"long delay", Rule{Provider: "tm", DelayMS: 61000}, "delay_ms must be between 0 and 60000"},
		{"bad count", Rule{Provider: "tm", Status: 500, Count: -2}, "count must be -1 (always), 0 (once) or a positive number"},
		{"bad body", Rule{Provider: "tm", Status: 500, Body: json.RawMessage(`{`)}, "body must be JSON (a string for a text body)"},
		{"bad header", Rule{Provider: "tm", Status: 500, Headers: map[string]string{"X Y": "1"}}, `header name "X Y" is invalid`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewQueue(known)
			_, err := q.Add(tt.rule)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.Empty(t, q.List(), "a rejected rule is not queued")
		})
	}
}

func TestPresetRenderedByTheDialect(t *testing.T) {
	q, h, calls := newTestQueue(t)
	rule, err := q.Add(Rule{Provider: "tm", Method: "post", Path: "/api/access_token", Preset: "invalid_grant"})
	require.NoError(t, err)
	assert.Equal(t, "1", rule.ID)
	assert.Equal(t, "POST", rule.Method)
	assert.Equal(t, 1, rule.Remaining)

	assert.Equal(t, "provider saw: ", do(h, http.MethodGet, "/tm/api/user", "").Body.String(), "other paths are untouched")

	rec := do(h, http.MethodPost, "/tm/api/access_token", "grant_type=refresh_token")
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.JSONEq(t, `{"error":"invalid_grant","error_description":"injected fault: the grant is invalid, expired or revoked"}`, rec.Body.String())
	assert.Empty(t, q.List(), "a rule that has fired its count is gone")

	rec = do(h, http.MethodPost, "/tm/api/access_token", "grant_type=refresh_token")
	assert.Equal(t, "provider saw: grant_type=refresh_token", rec.Body.String(), "the next call reaches the provider")
	assert.Equal(t, int32(2), calls.Load())
}

func TestPresetsStatusAndHeaders(t *testing.T) {
	tests := []struct {
		preset     string
		wantStatus int
		wantCode   string
		wantRetry  string
	}{
		{"invalid_client", 401, "invalid_client", ""},
		{"invalid_token", 401, "invalid_token", ""},
		{"expired_token", 401, "invalid_token", ""},
		{"access_denied", 403, "access_denied", ""},
		{"insufficient_scope", 403, "insufficient_scope", ""},
		{"server_error", 500, "server_error", ""},
		{"temporarily_unavailable", 503, "temporarily_unavailable", "1"},
		{"rate_limited", 429, "slow_down", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			q, h, calls := newTestQueue(t)
			_, err := q.Add(Rule{Provider: "tm", Preset: tt.preset})
			require.NoError(t, err)
			rec := do(h, http.MethodGet, "/tm/api/user", "")
			assert.Equal(t, tt.wantStatus, rec.Code)
			var body map[string]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, tt.wantCode, body["error"])
			assert.Equal(t, tt.wantRetry, rec.Header().Get("Retry-After"))
			assert.Zero(t, calls.Load())
		})
	}
}

func TestCustomAnswer(t *testing.T) {
	tests := []struct {
		name       string
		rule       Rule
		wantStatus int
		wantType   string
		wantBody   string
		wantHeader string
	}{
		{"json body", Rule{Status: 418, Body: json.RawMessage(`{"reason":"TEAPOT"}`)}, 418, "application/json", `{"reason":"TEAPOT"}`, ""},
		{"text body", Rule{Status: 502, Body: json.RawMessage(`"bad gateway"`)}, 502, "text/plain; charset=utf-8", "bad gateway", ""},
		{"no body", Rule{Status: 204}, 204, "", "", ""},
		{"preset with status and header", Rule{Preset: "invalid_grant", Status: 401, Headers: map[string]string{"X-Trace": "t1"}}, 401, "application/json;charset=UTF-8", `{"error":"invalid_grant","error_description":"injected fault: the grant is invalid, expired or revoked"}`, "t1"},
		{"preset with body", Rule{Preset: "server_error", Body: json.RawMessage(`{"detail":"boom"}`)}, 500, "application/json", `{"detail":"boom"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, h, _ := newTestQueue(t)
			tt.rule.Provider = "tm"
			_, err := q.Add(tt.rule)
			require.NoError(t, err)
			rec := do(h, http.MethodGet, "/tm/api/user", "")
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantType, rec.Header().Get("Content-Type"))
			assert.Equal(t, tt.wantBody, rec.Body.String())
			assert.Equal(t, tt.wantHeader, rec.Header().Get("X-Trace"))
		})
	}
}

func TestMatching(t *testing.T) {
	basic := func(id string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), "secret") }
	}
	tests := []struct {
		name   string
		rule   Rule
		method string
		target string
		form   string
		mutate []func(*http.Request)
		want   bool
	}{
		{"template var", Rule{Path: "/v2/clouds/{cloudId}"}, "GET", "/tm/v2/clouds/123", "", nil, true},
		{"template var other path", Rule{Path: "/v2/clouds/{cloudId}"}, "GET", "/tm/api/user", "", nil, false},
		{"method", Rule{Method: "GET"}, "POST", "/tm/api/access_token", "a=b", nil, false},
		{"client in form", Rule{ClientID: "app"}, "POST", "/tm/api/access_token", "client_id=app", nil, true},
		{"other client in form", Rule{ClientID: "app"}, "POST", "/tm/api/access_token", "client_id=other", nil, false},
		{"client in Basic", Rule{ClientID: "my app"}, "POST", "/tm/api/access_token", "grant_type=x", []func(*http.Request){basic("my app")}, true},
		{"client in query", Rule{ClientID: "app"}, "GET", "/tm/api/user?client_id=app", "", nil, true},
		{"user in form", Rule{User: "alice"}, "POST", "/tm/api/access_token", "username=alice&password=x", nil, true},
		{"login_hint", Rule{User: "alice"}, "GET", "/tm/api/user?login_hint=alice", "", nil, true},
		{"no user", Rule{User: "alice"}, "GET", "/tm/api/user", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, h, _ := newTestQueue(t)
			tt.rule.Provider, tt.rule.Status = "tm", http.StatusTeapot
			_, err := q.Add(tt.rule)
			require.NoError(t, err)
			rec := do(h, tt.method, tt.target, tt.form, tt.mutate...)
			if tt.want {
				assert.Equal(t, http.StatusTeapot, rec.Code)
				return
			}
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, "provider saw: "+tt.form, rec.Body.String(), "the provider reads the peeked body whole")
			assert.Len(t, q.List(), 1, "a rule that did not match stays queued")
		})
	}
}

func TestOtherProvidersRulesDoNotApply(t *testing.T) {
	q, h, _ := newTestQueue(t)
	_, err := q.Add(Rule{Provider: "other", Status: 500})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, do(h, http.MethodGet, "/tm/api/user", "").Code)
}

func TestCountsAndOrder(t *testing.T) {
	q, h, _ := newTestQueue(t)
	_, err := q.Add(Rule{Provider: "tm", Status: 501, Count: 2})
	require.NoError(t, err)
	always, err := q.Add(Rule{Provider: "tm", Status: 502, Count: -1})
	require.NoError(t, err)
	assert.Equal(t, -1, always.Remaining)

	var got []int
	for range 4 {
		got = append(got, do(h, http.MethodGet, "/tm/api/user", "").Code)
	}
	assert.Equal(t, []int{501, 501, 502, 502}, got, "the first queued rule fires until used up")
	rules := q.List()
	require.Len(t, rules, 1)
	assert.Equal(t, 2, rules[0].Fired)

	assert.True(t, q.Delete(always.ID))
	assert.False(t, q.Delete(always.ID))
	assert.Equal(t, http.StatusOK, do(h, http.MethodGet, "/tm/api/user", "").Code)
}

func TestClear(t *testing.T) {
	q := NewQueue(known)
	for _, p := range []string{"tm", "other", "tm"} {
		_, err := q.Add(Rule{Provider: p, Status: 500})
		require.NoError(t, err)
	}
	assert.Equal(t, 2, q.Clear("tm"))
	require.Len(t, q.List(), 1)
	assert.Equal(t, "other", q.List()[0].Provider)
	assert.Equal(t, 1, q.Clear(""))
	assert.Empty(t, q.List())
}

func TestDelayOnlyLetsTheProviderAnswer(t *testing.T) {
	q, h, calls := newTestQueue(t)
	_, err := q.Add(Rule{Provider: "tm", DelayMS: 1})
	require.NoError(t, err)
	rec := do(h, http.MethodPost, "/tm/api/access_token", "a=b")
	assert.Equal(t, "provider saw: a=b", rec.Body.String())
	assert.Equal(t, int32(1), calls.Load())
	assert.Empty(t, q.List())
}

func TestDelayStopsWhenTheClientGoesAway(t *testing.T) {
	q, h, calls := newTestQueue(t)
	_, err := q.Add(Rule{Provider: "tm", Preset: "delay", DelayMS: 60000})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/tm/api/user", nil)
	ctx, cancel := context.WithCancel(req.Context())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req.WithContext(ctx))
	assert.Zero(t, calls.Load(), "a cancelled request does not reach the provider")
}

func TestDropClosesTheConnection(t *testing.T) {
	q, h, calls := newTestQueue(t)
	_, err := q.Add(Rule{Provider: "tm", Preset: "drop"})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	_, err = srv.Client().Get(srv.URL + "/tm/api/user")
	require.Error(t, err, "the client sees the connection go, not a response")
	assert.Zero(t, calls.Load())

	resp, err := srv.Client().Get(srv.URL + "/tm/api/user")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the rule was used up")
}

func TestConcurrentTakeFiresExactlyCount(t *testing.T) {
	q, h, calls := newTestQueue(t)
	_, err := q.Add(Rule{Provider: "tm", Status: 503, Count: 10})
	require.NoError(t, err)
	var faulted atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if do(h, http.MethodGet, "/tm/api/user", "").Code == 503 {
				faulted.Add(1)
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = q.List()
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(10), faulted.Load())
	assert.Equal(t, int32(54), calls.Load())
}
