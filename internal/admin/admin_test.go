package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/faults"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/provider"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newAdmin(t *testing.T, token string, reset func(context.Context) error) (*Admin, http.Handler) {
	t.Helper()
	a := &Admin{
		Clock: clock.NewFrozen(t0), Journal: journal.New(10),
		Faults: faults.NewQueue(func(n string) bool { return n == "tm" }),
		Reset:  reset, Token: token,
		Providers: func(name string) provider.Provider {
			if p, ok := testProviders[name]; ok {
				return p
			}
			return nil
		},
	}
	r := mux.NewRouter()
	a.Mount(r.PathPrefix("/_authmock").Subrouter())
	return a, r
}

func call(h http.Handler, method, path, body string, mutate ...func(*http.Request)) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:5555"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, m := range mutate {
		m(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestGuard(t *testing.T) {
	from := func(addr string) func(*http.Request) { return func(r *http.Request) { r.RemoteAddr = addr } }
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	tests := []struct {
		name   string
		token  string
		mutate []func(*http.Request)
		want   int
	}{
		{"loopback v4", "", []func(*http.Request){from("127.0.0.1:1")}, 200},
		{"loopback v6", "", []func(*http.Request){from("[::1]:1")}, 200},
		{"other address", "", []func(*http.Request){from("192.0.2.7:1")}, 403},
		{"token, none sent", "0123456789abcdef", []func(*http.Request){from("192.0.2.7:1")}, 401},
		{"token, wrong", "0123456789abcdef", []func(*http.Request){from("127.0.0.1:1"), bearer("0123456789abcdeX")}, 401},
		{"token, right, any address", "0123456789abcdef", []func(*http.Request){from("192.0.2.7:1"), bearer("0123456789abcdef")}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, h := newAdmin(t, tt.token, nil)
			rec := call(h, http.MethodGet, "/_authmock/clock", "", tt.mutate...)
			assert.Equal(t, tt.want, rec.Code, rec.Body.String())
			if tt.want == 200 {
				assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestClock(t *testing.T) {
	a, h := newAdmin(t, "", nil)
	state := func(rec *httptest.ResponseRecorder) clockState {
		t.Helper()
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var s clockState
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s))
		return s
	}
	s := state(call(h, http.MethodGet, "/_authmock/clock", ""))
	assert.Equal(t, clockState{Now: t0, Unix: t0.Unix(), Frozen: true}, s)

	s = state(call(h, http.MethodPost, "/_authmock/clock/advance", `{"seconds": 3601}`))
	assert.Equal(t, t0.Add(3601*time.Second), s.Now)
	s = state(call(h, http.MethodPost, "/_authmock/clock/advance", `{"duration": "-1h"}`, func(r *http.Request) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what curl -d sends
	}))
	assert.Equal(t, t0.Add(time.Second), s.Now)
	s = state(call(h, http.MethodPut, "/_authmock/clock", `{"now": "2030-05-06T07:08:09Z"}`))
	assert.Equal(t, time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC), s.Now.UTC())
	s = state(call(h, http.MethodPut, "/_authmock/clock", `{"unix": 1704123456}`))
	assert.Equal(t, int64(1704123456), s.Unix)

	s = state(call(h, http.MethodPost, "/_authmock/clock/unfreeze", ""))
	assert.False(t, s.Frozen)
	assert.False(t, a.Clock.Frozen())
	s = state(call(h, http.MethodPost, "/_authmock/clock/freeze", ""))
	assert.True(t, s.Frozen)
	s = state(call(h, http.MethodPut, "/_authmock/clock", `{"unix": 1, "frozen": false}`))
	assert.False(t, s.Frozen)
	s = state(call(h, http.MethodPost, "/_authmock/clock/reset", ""))
	assert.Equal(t, clockState{Now: t0, Unix: t0.Unix(), Frozen: true}, s)
}

func TestBadRequests(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		contentType              string
		wantStatus               int
		wantDescription          string
	}{
		{"both now and unix", "PUT", "/_authmock/clock", `{"now": "2030-01-01T00:00:00Z", "unix": 1}`, "", 400, "give now or unix, not both"},
		{"nothing to set", "PUT", "/_authmock/clock", `{}`, "", 400, `give "now" (RFC 3339), "unix" (seconds) and/or "frozen"`},
		{"bad time", "PUT", "/_authmock/clock", `{"now": "tomorrow"}`, "", 400, `the body is not the JSON this call takes: parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00": cannot parse "tomorrow" as "2006"`},
		{"unknown field", "POST", "/_authmock/clock/advance", `{"secs": 1}`, "", 400, `the body is not the JSON this call takes: json: unknown field "secs"`},
		{"bad duration", "POST", "/_authmock/clock/advance", `{"duration": "1 hour"}`, "", 400, `duration "1 hour": use Go's form, such as 90s, 1h or -15m`},
		{"two values", "POST", "/_authmock/clock/advance", `{"seconds": 1} {}`, "", 400, "the body holds more than one JSON value"},
		{"form body", "POST", "/_authmock/clock/advance", `seconds=1`, "application/x-www-form-urlencoded", 400, "the body is not the JSON this call takes: invalid character 's' looking for beginning of value"},
		{"too large", "POST", "/_authmock/faults", `{"provider":"` + strings.Repeat("x", maxAdminBody) + `"}`, "", 413, "the request body is larger than 65536 bytes"},
		{"bad after", "GET", "/_authmock/journal?after=x", "", "", 400, "after must be an entry's seq, a whole number"},
		{"bad limit", "GET", "/_authmock/journal?limit=0", "", "", 400, "limit must be a positive whole number"},
		{"bad since", "GET", "/_authmock/journal?since=yesterday", "", "", 400, "since must be RFC 3339 (2026-01-02T15:04:05Z) or Unix seconds"},
		{"unknown rule id", "DELETE", "/_authmock/faults/99", "", "", 404, `no queued fault rule "99" (it may have fired its count)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, h := newAdmin(t, "", nil)
			rec := call(h, tt.method, tt.path, tt.body, func(r *http.Request) {
				if tt.contentType != "" {
					r.Header.Set("Content-Type", tt.contentType)
				}
			})
			assert.Equal(t, tt.wantStatus, rec.Code)
			var body map[string]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
			assert.Equal(t, tt.wantDescription, body["error_description"])
			assert.Equal(t, t0, a.Clock.Now(), "a rejected call changes nothing")
			assert.Empty(t, a.Faults.List())
		})
	}
}

func TestFaultCalls(t *testing.T) {
	_, h := newAdmin(t, "", nil)
	rec := call(h, http.MethodPost, "/_authmock/faults", `{"provider":"tm","preset":"rate_limited","count":-1}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = call(h, http.MethodPost, "/_authmock/faults", `{"provider":"tm","status":500}`)
	require.Equal(t, http.StatusCreated, rec.Code)

	rec = call(h, http.MethodGet, "/_authmock/faults", "")
	assert.JSONEq(t, `{"rules":[
		{"id":"1","provider":"tm","preset":"rate_limited","count":-1,"remaining":-1,"fired":0},
		{"id":"2","provider":"tm","status":500,"remaining":1,"fired":0}]}`, rec.Body.String())

	assert.Equal(t, http.StatusNoContent, call(h, http.MethodDelete, "/_authmock/faults/1", "").Code)
	rec = call(h, http.MethodDelete, "/_authmock/faults?provider=tm", "")
	assert.JSONEq(t, `{"deleted":1}`, rec.Body.String())

	rec = call(h, http.MethodGet, "/_authmock/faults/presets", "")
	var presets struct {
		Presets []faults.Preset `json:"presets"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &presets))
	assert.Len(t, presets.Presets, len(faults.Presets()))
	assert.Equal(t, "access_denied", presets.Presets[0].Name)
}

func TestResetCall(t *testing.T) {
	called := 0
	_, h := newAdmin(t, "", func(context.Context) error { called++; return nil })
	rec := call(h, http.MethodPost, "/_authmock/reset", "")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, `{"reset":true,"clock":{"now":"2026-01-02T03:04:05Z","unix":1767323045,"frozen":true}}`, rec.Body.String())
	assert.Equal(t, 1, called)

	_, h = newAdmin(t, "", func(context.Context) error { return errors.New("store is gone") })
	rec = call(h, http.MethodPost, "/_authmock/reset", "")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.JSONEq(t, `{"error":"server_error","error_description":"the admin call failed; see the server log"}`, rec.Body.String())
}

func TestJournalCalls(t *testing.T) {
	a, h := newAdmin(t, "", nil)
	a.Journal.Record(journal.Entry{Provider: "tm", Method: "POST", Path: "/tm/api/access_token", Time: t0})
	a.Journal.Record(journal.Entry{Provider: "oidc", Method: "GET", Path: "/oidc/userinfo", Time: t0.Add(time.Minute)})
	rec := call(h, http.MethodGet, "/_authmock/journal?provider=tm", "")
	var got struct {
		Entries []journal.Entry `json:"entries"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got.Entries, 1)
	assert.Equal(t, "/tm/api/access_token", got.Entries[0].Path)

	rec = call(h, http.MethodGet, "/_authmock/journal?since="+t0.Add(time.Second).Format(time.RFC3339)+"&limit=5", "")
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got.Entries, 1)
	assert.Equal(t, "oidc", got.Entries[0].Provider)

	assert.Equal(t, http.StatusNoContent, call(h, http.MethodDelete, "/_authmock/journal", "").Code)
	assert.Empty(t, a.Journal.List(journal.Filter{}))
}

// A big journal is answered in pages: more and next_after lead to the
// rest, and after= polling keeps working.
func TestJournalPaging(t *testing.T) {
	a, h := newAdmin(t, "", nil)
	a.Journal = journal.New(500)
	pad := strings.Repeat("x", 4<<10)
	for i := range 400 {
		a.Journal.Record(journal.Entry{Provider: "tm", Method: "GET", Path: fmt.Sprintf("/tm/%d", i), Time: t0,
			Headers: map[string][]string{"X-A": {pad}, "X-B": {pad}}})
	}
	type page struct {
		Size      int             `json:"size"`
		Entries   []journal.Entry `json:"entries"`
		More      bool            `json:"more"`
		NextAfter uint64          `json:"next_after"`
	}
	var seen []string
	after := "0"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging ends")
		rec := call(h, http.MethodGet, "/_authmock/journal?after="+after, "")
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Less(t, rec.Body.Len(), 2<<20, "one answer stays small")
		var p page
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
		require.NotEmpty(t, p.Entries)
		for _, e := range p.Entries {
			seen = append(seen, e.Path)
		}
		if !p.More {
			assert.Zero(t, p.NextAfter)
			break
		}
		assert.Equal(t, p.Entries[len(p.Entries)-1].Seq, p.NextAfter)
		after = fmt.Sprint(p.NextAfter)
	}
	kept := a.Journal.List(journal.Filter{})
	require.Len(t, seen, len(kept), "every kept entry once, in order")
	for i, e := range kept {
		assert.Equal(t, e.Path, seen[i])
	}

	rec := call(h, http.MethodGet, "/_authmock/journal?limit=2", "")
	var p page
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Len(t, p.Entries, 2, "limit keeps the newest, as before")
	assert.Equal(t, "/tm/399", p.Entries[1].Path)
	assert.False(t, p.More)
}
