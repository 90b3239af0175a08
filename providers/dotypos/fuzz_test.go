package dotypos

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
)

const fuzzIssuer = "http://authmock.test" + pathPrefix

// inProcess is an instance served straight through its router.
type inProcess struct {
	p       *Provider
	backend *memory.Backend
	router  *mux.Router
	runs    int
}

func newInProcess(tb testing.TB, mutate func(*Config)) *inProcess {
	tb.Helper()
	p, _, backend, router := newInstance(tb, fuzzIssuer, testConfig(tb, mutate), slog.New(slog.DiscardHandler))
	return &inProcess{p: p, backend: backend, router: router}
}

func (ip *inProcess) serve(req *http.Request) *httptest.ResponseRecorder {
	// Forget tokens now and then so a long run does not grow the store.
	if ip.runs++; ip.runs%4096 == 0 {
		_ = ip.backend.Reset(req.Context(), "dotypos")
	}
	rec := httptest.NewRecorder()
	ip.router.ServeHTTP(rec, req)
	return rec
}

// FuzzUserHeader: parseUserAuth never panics, and what it accepts is a
// case-insensitive "User" scheme and a non-empty token without blanks,
// which is the header's own text.
func FuzzUserHeader(f *testing.F) {
	for _, s := range []string{"User 0123456789abcdef0123456789abcdef", "user x", "USER  x  ", "User", "User ", "Bearer x", "", "User a b", "Useraaa", "User\tx", " User x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		token, err := parseUserAuth([]string{header})
		if err != nil {
			if token != "" {
				t.Fatalf("token %q with error %v", token, err)
			}
			return
		}
		if token == "" || strings.ContainsAny(token, " \t") {
			t.Fatalf("accepted token %q from %q", token, header)
		}
		if !strings.EqualFold(header[:5], "User ") || !strings.Contains(header, token) {
			t.Fatalf("accepted %q from %q", token, header)
		}
	})
}

// FuzzSigninBody: parseSigninBody never panics; an accepted cloud id is a
// valid one, and re-encoding it (as a number and as a string) parses to the
// same id.
func FuzzSigninBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"_cloudId":123456789}`, `{"_cloudId":"123456789"}`, `{"_cloudId":null}`, `[]`, `null`, `{"_cloudId":2147483648}`,
		`{"_cloudId":"0"}`, `{"_cloudId":1e3}`, `{} {}`, `{"_cloudId":"\u0031"}`, `{"a":{"b":[1,2,{"c":null}]}}`, ``, `{"_cloudId":-1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		id, err := parseSigninBody(body)
		if err != nil {
			if id != 0 {
				t.Fatalf("id %d with error %v", id, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if id == 0 {
			return
		}
		if id < 1 || id > 1<<31-1 {
			t.Fatalf("accepted cloud id %d", id)
		}
		for _, again := range []string{`{"_cloudId":` + strconv.FormatInt(id, 10) + `}`, `{"_cloudId":"` + strconv.FormatInt(id, 10) + `"}`} {
			if back, err := parseSigninBody([]byte(again)); err != nil || back != id {
				t.Fatalf("%s gives %d, %v; want %d", again, back, err, id)
			}
		}
	})
}

// FuzzConnectV2Form drives connector v2 with arbitrary forms: it never
// panics, and it redirects only for a registered client and redirect URI
// with a correct signature over a timestamp inside the window, to that
// redirect URI, with a refresh token and the state sent.
func FuzzConnectV2Form(f *testing.F) {
	now := strconv.FormatInt(t0.Unix(), 10)
	good := v2Form(t0.Unix(), "s").Encode()
	f.Add(good)
	f.Add(strings.Replace(good, "scope=%2A", "scope=x", 1))
	f.Add("client_id=pos-sync&timestamp=" + now + "&signature=" + Sign(posSecret, now) + "&scope=*&redirect_uri=https%3A%2F%2Fpos.example.com%2Fcb%3Ftenant%3Dacme")
	f.Add("client_id=pos-sync&timestamp=" + now + "&signature=" + Sign(posSecret, now) + "&scope=*&redirect_uri=https%3A%2F%2Fevil.example.com")
	f.Add("client_id=pos-sync&timestamp=0&signature=" + Sign(posSecret, "0") + "&scope=*&redirect_uri=https%3A%2F%2Fpos.example.com%2Fdotypos%2Fcallback")
	f.Add("%zz")
	f.Add("")
	ip := newInProcess(f, nil)
	f.Fuzz(func(t *testing.T, form string) {
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathConnectV2, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := ip.serve(req)
		if rec.Code != http.StatusFound {
			if rec.Header().Get("Location") != "" {
				t.Fatalf("status %d with a Location", rec.Code)
			}
			return
		}
		q, err := url.ParseQuery(form)
		if err != nil {
			t.Fatalf("redirected although the form does not parse: %q", form)
		}
		ts, ok := parseTimestamp(q.Get("timestamp"))
		if q.Get("client_id") != posID && q.Get("client_id") != otherID || !ok {
			t.Fatalf("redirected for %q", form)
		}
		secret := map[string]string{posID: posSecret, otherID: otherSecret}[q.Get("client_id")]
		if Sign(secret, q.Get("timestamp")) != q.Get("signature") || ts < t0.Unix()-300 || ts > t0.Unix()+300 || q.Get("scope") != "*" {
			t.Fatalf("redirected for %q", form)
		}
		loc := rec.Header().Get("Location")
		if !strings.HasPrefix(loc, q.Get("redirect_uri")+"?") && !strings.HasPrefix(loc, q.Get("redirect_uri")+"&") {
			t.Fatalf("redirected to %q for redirect_uri %q", loc, q.Get("redirect_uri"))
		}
		back, err := url.Parse(loc)
		if err != nil || !validRefreshToken(back.Query().Get("token")) || back.Query().Get("state") != q.Get("state") {
			t.Fatalf("bad redirect %q", loc)
		}
	})
}

// FuzzIfNoneMatch: never panics, "*" and the tag itself always match.
func FuzzIfNoneMatch(f *testing.F) {
	for _, s := range []string{`"abc"`, `W/"abc"`, `*`, `"a", "b"`, ``, `,,,`, `W/`} {
		f.Add(s)
	}
	tag := entityTag([]byte("body"))
	f.Fuzz(func(t *testing.T, header string) {
		got := ifNoneMatch([]string{header}, tag)
		if !ifNoneMatch([]string{header + "," + tag}, tag) || !ifNoneMatch([]string{header + ", *"}, tag) {
			t.Fatal("appending the tag or * must match")
		}
		if got && !strings.Contains(header, "*") && !strings.Contains(header, tag) {
			t.Fatalf("%q matched %s", header, tag)
		}
	})
}

// FuzzPutFixture drives the fixture editor with arbitrary items: it never
// panics; a refused item is a *provider.FixtureError (or ErrNoFixture for a
// kind the instance lacks) and changes nothing; an accepted one reads back
// as an item that, put again, is accepted unchanged.
func FuzzPutFixture(f *testing.F) {
	for _, seed := range []struct{ kind, id, item string }{
		{"clients", "x", `{"secret":"s","redirect_uris":["https://x.example.com/cb"],"default_user":"alice","access_token_ttl":"5m"}`},
		{"clients", "x", `{"public":true}`},
		{"users", "erin", `{"subject":"e","claims":{"a":[1,{"b":null}]},"user_clouds":[555,123456789]}`},
		{"users", "alice", `{"user_clouds":[1,1]}`},
		{"clouds", "42", `{"name":"Kiosk","1ClickId":7,"_companyId":8,"country":"SK","segment":"x"}`},
		{"clouds", "0042", `{"id":42,"name":"x"}`},
		{"clouds", "42", `{"name":"x","deleted":"yes"}`},
		{"keys", "x", `{}`},
		{"clients", "\x9e", `{"seCret":"00"}`}, // an id JSON cannot carry back
	} {
		f.Add(seed.kind, seed.id, []byte(seed.item))
	}
	ip := newInProcess(f, nil)
	snapshot := func(t *testing.T) string {
		var b strings.Builder
		for _, kind := range ip.p.FixtureKinds() {
			items, err := ip.p.ListFixtures(t.Context(), kind)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				b.Write(it)
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	f.Fuzz(func(t *testing.T, kind, id string, item []byte) {
		before := snapshot(t)
		_, err := ip.p.PutFixture(t.Context(), kind, id, item)
		if err != nil {
			var fe *provider.FixtureError
			if !errors.As(err, &fe) && !errors.Is(err, provider.ErrNoFixture) {
				t.Fatalf("put %s/%s %q: %v", kind, id, item, err)
			}
			if errors.As(err, &fe) && len(fe.Problems) == 0 {
				t.Fatalf("a FixtureError without problems for %q", item)
			}
			if after := snapshot(t); after != before {
				t.Fatalf("refused %s/%s %q changed the fixtures", kind, id, item)
			}
			return
		}
		stored, err := ip.p.GetFixture(t.Context(), kind, id)
		if err != nil {
			t.Fatalf("accepted %s/%s %q, then get: %v", kind, id, item, err)
		}
		if created, err := ip.p.PutFixture(t.Context(), kind, id, stored); err != nil || created {
			t.Fatalf("putting back %s gives created=%v, %v", stored, created, err)
		}
		if again, _ := ip.p.GetFixture(t.Context(), kind, id); string(again) != string(stored) {
			t.Fatalf("round trip: %s became %s", stored, again)
		}
	})
}
