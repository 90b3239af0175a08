package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/journal"
)

// The control plane as wired into a running server: faults reach the
// instances' routes (and only the named instance's), the journal records
// provider exchanges but not admin calls, and reset puts everything back.
func TestFaultsJournalAndReset(t *testing.T) {
	s := start(t, `, "journal_size": 50`)
	admin := s.URL() + AdminPrefix

	res := do(t, nil, http.MethodPost, admin+"/faults", map[string]string{"Content-Type": "application/json"},
		strings.NewReader(`{"provider": "a", "path": "/hello", "preset": "invalid_client", "count": 2}`))
	require.Equal(t, http.StatusCreated, res.status, res.body)
	assert.JSONEq(t, `{"id":"1","provider":"a","path":"/hello","preset":"invalid_client","count":2,"remaining":2,"fired":0}`, res.body)

	res = do(t, nil, http.MethodGet, s.URL()+"/a/hello", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.JSONEq(t, `{"error":"invalid_client","error_description":"injected fault: client authentication failed"}`, res.body)
	res = do(t, nil, http.MethodGet, s.URL()+"/nested/b/hello", nil, nil)
	assert.Equal(t, http.StatusOK, res.status, "another instance's routes are untouched")

	s.Clock().Advance(time.Hour)
	res = do(t, nil, http.MethodPost, admin+"/reset", nil, nil)
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Empty(t, s.Faults().List(), "reset clears the fault queue")
	assert.Empty(t, s.Journal().List(journal.Filter{}), "reset clears the journal")
	assert.WithinDuration(t, time.Now(), s.Clock().Now(), time.Minute, "reset puts the clock back")

	res = do(t, nil, http.MethodGet, s.URL()+"/a/hello", map[string]string{"Authorization": "Bearer secret-token"}, nil)
	assert.Equal(t, http.StatusOK, res.status, "the rule went with the reset")
	do(t, nil, http.MethodGet, s.URL()+"/nowhere", nil, nil)
	do(t, nil, http.MethodGet, admin+"/clock", nil, nil)

	res = do(t, nil, http.MethodGet, admin+"/journal", nil, nil)
	require.Equal(t, http.StatusOK, res.status)
	var got struct {
		Size    int             `json:"size"`
		Entries []journal.Entry `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.body), &got))
	assert.Equal(t, 50, got.Size)
	require.Len(t, got.Entries, 2, "admin calls are not recorded: %s", res.body)
	assert.Equal(t, "a", got.Entries[0].Provider)
	assert.Equal(t, "/a/hello", got.Entries[0].Path)
	assert.Equal(t, []string{"Bearer " + journal.Fingerprint("secret-token")}, got.Entries[0].Headers["Authorization"])
	assert.NotEmpty(t, got.Entries[0].RequestID)
	assert.Equal(t, "", got.Entries[1].Provider, "a path no instance serves")
	assert.Equal(t, http.StatusNotFound, got.Entries[1].Status)
	assert.NotContains(t, res.body, "secret-token")
}

func TestFaultOnRootInstanceAndJournalFaultNote(t *testing.T) {
	s := start(t, `, "root": "a"`)
	res := do(t, nil, http.MethodPost, s.URL()+AdminPrefix+"/faults", nil,
		strings.NewReader(`{"provider": "a", "path": "/hello", "status": 503, "headers": {"Retry-After": "7"}, "body": {"reason": "MAINTENANCE"}}`))
	require.Equal(t, http.StatusCreated, res.status, res.body)

	res = do(t, nil, http.MethodGet, s.URL()+"/hello", nil, nil)
	assert.Equal(t, http.StatusServiceUnavailable, res.status, "the root mount is faulted too")
	assert.Equal(t, "7", res.header.Get("Retry-After"))
	assert.JSONEq(t, `{"reason":"MAINTENANCE"}`, res.body)

	es := s.Journal().List(journal.Filter{Provider: "a"})
	require.Len(t, es, 1)
	assert.Equal(t, "fault rule 1", es[0].Fault)
	assert.Equal(t, map[string]any{"reason": "MAINTENANCE"}, es[0].Response.JSON)
}

func TestFaultRejectsUnknownInstance(t *testing.T) {
	s := start(t, "")
	res := do(t, nil, http.MethodPost, s.URL()+AdminPrefix+"/faults", nil, strings.NewReader(`{"provider": "zzz", "preset": "drop"}`))
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"provider \"zzz\" is not a running instance"}`, res.body)
}

func TestAdminToken(t *testing.T) {
	s := start(t, `, "admin_token": "0123456789abcdef-admin"`)
	res := do(t, nil, http.MethodGet, s.URL()+AdminPrefix+"/clock", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Equal(t, `Bearer realm="authmock admin"`, res.header.Get("WWW-Authenticate"))
	res = do(t, nil, http.MethodGet, s.URL()+AdminPrefix+"/clock", map[string]string{"Authorization": "Bearer wrong"}, nil)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	res = do(t, nil, http.MethodGet, s.URL()+AdminPrefix+"/clock", map[string]string{"Authorization": "Bearer 0123456789abcdef-admin"}, nil)
	assert.Equal(t, http.StatusOK, res.status)
	res = do(t, nil, http.MethodGet, s.URL()+AdminPrefix+"/health", nil, nil)
	assert.Equal(t, http.StatusOK, res.status, "health stays open for probes")
}

func TestJournalOff(t *testing.T) {
	s := start(t, `, "journal_size": 0`)
	do(t, nil, http.MethodGet, s.URL()+"/a/hello", nil, nil)
	res := do(t, nil, http.MethodGet, s.URL()+AdminPrefix+"/journal", nil, nil)
	assert.JSONEq(t, `{"size":0,"entries":[],"more":false}`, res.body)
}

// The provider routes of the control plane reach the named instance, and a
// wrong method on them is a 405 like anywhere else, not a missing fixture
// kind.
func TestProviderAdminRoutes(t *testing.T) {
	s := start(t, "")
	admin := s.URL() + AdminPrefix
	res := do(t, nil, http.MethodPost, admin+"/providers/nope/tokens", nil, strings.NewReader(`{"client_id":"x"}`))
	assert.Equal(t, http.StatusNotFound, res.status, res.body)
	res = do(t, nil, http.MethodPost, admin+"/providers/a/tokens", nil, strings.NewReader(`{"client_id":"x"}`))
	assert.Equal(t, http.StatusNotImplemented, res.status, "the fake dialect cannot mint: %s", res.body)
	for _, path := range []string{"/providers/a/tokens/revoke", "/providers/a/tokens/expire", "/providers/a/tokens"} {
		res = do(t, nil, http.MethodPut, admin+path, nil, strings.NewReader(`{}`))
		assert.Equal(t, http.StatusMethodNotAllowed, res.status, "%s: %s", path, res.body)
		assert.Equal(t, "POST", res.header.Get("Allow"), path)
	}
	res = do(t, nil, http.MethodGet, admin+"/providers/a/users", nil, nil)
	assert.Equal(t, http.StatusNotImplemented, res.status, res.body)
}

// Clients, admin calls queueing faults and journal readers all at once,
// through the whole server: every queued fault fires exactly once, and
// the journal holds exactly the exchanges made, each intact. Run with
// -race.
func TestConcurrentFaultsAndJournal(t *testing.T) {
	const clients, calls, queuers, rulesEach = 4, 25, 2, 10
	s := start(t, `, "journal_size": 1000`)
	admin := s.URL() + AdminPrefix
	var wg sync.WaitGroup
	statuses := make(chan int, clients*calls)
	for range queuers {
		wg.Go(func() {
			for range rulesEach {
				res := do(t, nil, http.MethodPost, admin+"/faults", nil, strings.NewReader(`{"provider":"a","path":"/hello","preset":"server_error"}`))
				assert.Equal(t, http.StatusCreated, res.status, res.body)
			}
		})
	}
	for range clients {
		wg.Go(func() {
			for range calls {
				statuses <- do(t, nil, http.MethodGet, s.URL()+"/a/hello", map[string]string{"Authorization": "Bearer secret-token"}, nil).status
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			res := do(t, nil, http.MethodGet, admin+"/journal?provider=a&limit=5", nil, nil)
			assert.Equal(t, http.StatusOK, res.status)
		}
	})
	wg.Wait()
	close(statuses)

	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	fired := queuers*rulesEach - len(s.Faults().List())
	assert.Equal(t, fired, count[http.StatusInternalServerError], "every fault that left the queue answered one call: %v", count)
	assert.Equal(t, clients*calls, count[http.StatusOK]+count[http.StatusInternalServerError], "%v", count)

	entries := s.Journal().List(journal.Filter{Provider: "a"})
	require.Len(t, entries, clients*calls)
	faulted := 0
	for i, e := range entries {
		if i > 0 {
			assert.Greater(t, e.Seq, entries[i-1].Seq, "in order")
		}
		assert.Equal(t, "/a/hello", e.Path)
		if e.Fault != "" {
			faulted++
			assert.Equal(t, http.StatusInternalServerError, e.Status)
		}
	}
	assert.Equal(t, fired, faulted, "the journal names the rule behind every fault")
}

// TestCredentials: what /providers masks is shown whole behind the admin
// guard only.
func TestCredentials(t *testing.T) {
	s := start(t, "")
	res := do(t, nil, http.MethodGet, s.URL()+AdminPrefix+"/credentials", nil, nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
	assert.Contains(t, res.body, `"password":"pw"`)

	guarded := start(t, `, "admin_token": "0123456789abcdef-admin"`)
	res = do(t, nil, http.MethodGet, guarded.URL()+AdminPrefix+"/credentials", nil, nil)
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.NotContains(t, res.body, `"pw"`)
	res = do(t, nil, http.MethodGet, guarded.URL()+AdminPrefix+"/credentials", map[string]string{"Authorization": "Bearer 0123456789abcdef-admin"}, nil)
	assert.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `"password":"pw"`)
}

func TestMaskURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://x/a?client_id=app&client_secret=s3cret&state=1": "http://x/a?client_id=app&client_secret=%5Bredacted+sha256%3A" + strings.TrimSuffix(strings.TrimPrefix(journal.Fingerprint("s3cret"), "[redacted sha256:"), "]") + "%5D&state=1",
		"http://x/a?client_id=app":                              "http://x/a?client_id=app",
		"http://x/a":                                            "http://x/a",
		"::not a url":                                           "::not a url",
	} {
		assert.Equal(t, want, maskURL(in), in)
	}
}
