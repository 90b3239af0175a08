package fastapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// checkBody is every answer's shape: a token answer with 200, nothing with
// 204, otherwise {"detail": string} or {"detail": [validation errors]}.
func checkBody(t *testing.T, resp response) {
	t.Helper()
	switch resp.status {
	case http.StatusOK:
		var tok tokens
		if err := json.Unmarshal([]byte(resp.body), &tok); err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("200 without tokens: %s", resp.body)
		}
		return
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		var b struct{ Detail string }
		if err := json.Unmarshal([]byte(resp.body), &b); err != nil || b.Detail == "" {
			t.Fatalf("%d without a string detail: %s", resp.status, resp.body)
		}
	case http.StatusUnprocessableEntity:
		var b struct{ Detail []validationError }
		if err := json.Unmarshal([]byte(resp.body), &b); err != nil || len(b.Detail) == 0 {
			t.Fatalf("422 without a validation list: %s", resp.body)
		}
		for _, e := range b.Detail {
			if e.Type == "" || len(e.Loc) != 2 || e.Msg == "" {
				t.Fatalf("malformed validation error: %s", resp.body)
			}
		}
	default:
		t.Fatalf("unexpected status %d: %s", resp.status, resp.body)
	}
	// 422 echoes the offending input, as pydantic does; nothing else may
	// echo a password.
	if resp.status != http.StatusUnprocessableEntity && (strings.Contains(resp.body, alicePassword) || strings.Contains(resp.body, bobPassword)) {
		t.Fatalf("an error body echoes a password: %s", resp.body)
	}
}

func FuzzLoginForm(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{formType, "grant_type=password&username=alice%40example.com&password=alice-password-Qw1&scope=&client_id=&client_secret="},
		{formType, "username=bob@example.com&password=bob-password-Er2"},
		{formType, "username=carol@example.com&password=carol-password-Ty3"},
		{formType, "grant_type=foo"},
		{formType, "username=alice@example.com;password=alice-password-Qw1"},
		{formType, "username=%zz&password=%"},
		{formType + "; charset=utf-8", "username=a&username=alice@example.com&password=alice-password-Qw1"},
		{"application/json", `{"username":"alice@example.com","password":"alice-password-Qw1"}`},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice@example.com\r\n--b--\r\n"},
		{"", ""},
	} {
		f.Add(seed.contentType, seed.body)
	}
	ts := newTestServerWithLogger(f, nil, slog.New(slog.DiscardHandler))
	runs := 0
	f.Fuzz(func(t *testing.T, contentType, body string) {
		ts.tb = t
		if runs++; runs%4096 == 0 { // keep the store small during long runs
			_ = ts.backend.Reset(t.Context(), "fastapi")
		}
		req := request(http.MethodPost, PathLogin, "", body, nil)
		req.Header.Set("Content-Type", contentType) // even when empty or invalid
		resp := ts.do(req)
		checkBody(t, resp)
		// The standard library's stricter parser is the oracle where it
		// accepts the body: the last username and password decide.
		if contentType != formType {
			return
		}
		q, err := url.ParseQuery(body)
		if err != nil || len(body) > testMaxBody {
			return
		}
		last := func(k string) string {
			if v := q[k]; len(v) > 0 {
				return v[len(v)-1]
			}
			return ""
		}
		gt, user, pass := last("grant_type"), last("username"), last("password")
		_, valid := ts.p.dir.CheckPassword(user, pass)
		want := http.StatusBadRequest
		switch {
		case (gt != "" && gt != "password") || user == "" || pass == "":
			want = http.StatusUnprocessableEntity
		case valid:
			want = http.StatusOK
		}
		if resp.status != want {
			t.Fatalf("status %d, want %d for %q: %s", resp.status, want, body, resp.body)
		}
	})
}

// FuzzRefreshHeaders sends arbitrary refresh-token and Authorization headers
// to both refresh routes. Only the one live refresh token (and, on the
// Postman route, alice's id in Basic) may refresh; whatever else comes, the
// live token keeps working.
func FuzzRefreshHeaders(f *testing.F) {
	for _, seed := range []struct {
		refresh, authz string
		postman        bool
	}{
		{"LIVE", "", false},
		{"LIVE", basic(aliceID + ":"), true},
		{"LIVE", basic(aliceID + ":secret"), true},
		{"LIVE", "Basic " + aliceID, true},
		{"LIVE", "Bearer LIVE", false},
		{"", "", false},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiI2NGI3ZjNhMmM5ZTFkNGY1YTZiN2M4ZDkiLCJhdWQiOlsiZmFzdGFwaS11c2VyczpyZWZyZXNoIl19.", "", false},
		{"a.b.c", "Basic !!", true},
		{"\x00", "Basic Og==", true},
	} {
		f.Add(seed.refresh, seed.authz, seed.postman)
	}
	ts := newTestServerWithLogger(f, nil, slog.New(slog.DiscardHandler))
	live := ""
	f.Fuzz(func(t *testing.T, refresh, authz string, postman bool) {
		ts.tb = t
		if live == "" {
			_ = ts.backend.Reset(t.Context(), "fastapi")
			live = ts.login(aliceEmail, alicePassword).RefreshToken
		}
		refresh = strings.ReplaceAll(refresh, "LIVE", live)
		var req *http.Request
		if postman {
			req = request(http.MethodPost, PathPostmanRefresh, formType,
				url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}.Encode(), nil)
		} else {
			req = request(http.MethodPost, PathRefresh, "", "", nil)
			req.Header["Refresh-Token"] = []string{refresh}
		}
		if authz != "" {
			req.Header["Authorization"] = []string{authz}
		}
		resp := ts.do(req)
		checkBody(t, resp)
		if resp.status == http.StatusOK {
			if refresh != live {
				t.Fatalf("refreshed with %q, not the live token", refresh)
			}
			if postman {
				if id, ok := basicClientID(authz); !ok || id != aliceID {
					t.Fatalf("postman refresh with Authorization %q", authz)
				}
			}
			var tok tokens
			_ = json.Unmarshal([]byte(resp.body), &tok)
			live = tok.RefreshToken
			return
		}
		if refresh == live {
			// A refused use of the live token (wrong client id, say) must
			// leave it working; anything else used it or revoked it.
			if resp.status == http.StatusUnauthorized && strings.Contains(resp.body, "expired") {
				live = ""
				return
			}
			if _, err := ts.p.deps.Store.LookupRefresh(t.Context(), live); err != nil {
				t.Fatalf("a refused request (%d %s) spent the live token: %v", resp.status, resp.body, err)
			}
		}
	})
}
