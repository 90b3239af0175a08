package trackmania

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/store/memory"
)

// fuzzIssuer is the issuer of in-process instances (fuzzing, benchmarks).
const fuzzIssuer = "http://authmock.test" + pathPrefix

// inProcess is an instance served straight through its router.
type inProcess struct {
	p       *Provider
	cfg     Config
	backend *memory.Backend
	router  *mux.Router
	runs    int
}

func newInProcess(tb testing.TB, mutate func(*Config)) *inProcess {
	tb.Helper()
	cfg := testConfig(tb, mutate)
	p, _, backend, router := newInstance(tb, fuzzIssuer, cfg, slog.New(slog.DiscardHandler))
	return &inProcess{p: p, cfg: cfg, backend: backend, router: router}
}

func (ip *inProcess) serve(req *http.Request) *httptest.ResponseRecorder {
	// Forget codes and tokens now and then so a long run does not grow the
	// store without bound.
	if ip.runs++; ip.runs%4096 == 0 {
		_ = ip.backend.Reset(req.Context(), "trackmania")
	}
	rec := httptest.NewRecorder()
	ip.router.ServeHTTP(rec, req)
	return rec
}

// checkAuthorizeRedirect is the authorization endpoint's safety property:
// a redirect goes only to a URI registered, exactly, for the client the
// request names, and carries only response parameters with state echoed.
func (ip *inProcess) checkAuthorizeRedirect(t *testing.T, rawQuery, location string) {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		t.Fatalf("redirected although the query does not parse (%v): %q -> %q", err, rawQuery, location)
	}
	i := slices.IndexFunc(ip.cfg.Clients, func(c fixtures.Client) bool { return c.ID == q.Get("client_id") })
	if i < 0 {
		t.Fatalf("redirected for unknown client %q: %q", q.Get("client_id"), location)
	}
	target := q.Get("redirect_uri")
	if !slices.Contains(ip.cfg.Clients[i].RedirectURIs, target) {
		t.Fatalf("redirected to unregistered %q", target)
	}
	if !strings.HasPrefix(location, target) {
		t.Fatalf("Location %q does not start with the registered URI %q", location, target)
	}
	loc, err := url.Parse(location)
	if err != nil {
		t.Fatalf("unparsable Location %q: %v", location, err)
	}
	reg, _ := url.Parse(target)
	got := loc.Query()
	for k := range reg.Query() {
		delete(got, k)
	}
	for k := range got {
		if !slices.Contains([]string{"code", "state", "error", "error_description"}, k) {
			t.Fatalf("Location %q carries unexpected parameter %q", location, k)
		}
	}
	if got.Get("state") != q.Get("state") {
		t.Fatalf("Location %q does not echo state %q", location, q.Get("state"))
	}
	if (got.Get("code") == "") == (got.Get("error") == "") {
		t.Fatalf("Location %q carries neither or both of code and error", location)
	}
	if got.Get("code") != "" && q.Get("response_type") != "code" {
		t.Fatalf("a code for response_type %q: %q", q.Get("response_type"), location)
	}
}

func FuzzAuthorizeQuery(f *testing.F) {
	for _, seed := range []string{
		webAuthParams().Encode(),
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb2%3Ftenant%3Dacme&state=%00",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F",
		"response_type=token&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=x",
		"response_type=code&client_id=limited&redirect_uri=https%3A%2F%2Flimited.example.com%2Fcb&scope=read_favorite",
		"response_type=code&client_id=web&redirect_uri=https://app.example.com/cb&scope=clubs+%22&login_hint=carol",
		"response_type=code&client_id=web&redirect_uri=https://app.example.com/cb&prompt=login&code_challenge=abc",
		"client_id=web&client_id=web",
		"client_id=web&redirect_uri=%zz",
		"",
	} {
		f.Add(seed)
	}
	servers := []*inProcess{newInProcess(f, nil), newInProcess(f, interactive), newInProcess(f, func(c *Config) { c.PKCE = true })}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, s := range servers {
			req := httptest.NewRequest(http.MethodGet, pathPrefix+PathAuthorize, nil)
			req.URL.RawQuery = raw
			rec := s.serve(req)
			switch {
			case rec.Code >= 500:
				t.Fatalf("status %d for %q: %s", rec.Code, raw, rec.Body)
			case rec.Code == http.StatusFound:
				s.checkAuthorizeRedirect(t, raw, rec.Header().Get("Location"))
			case rec.Code == http.StatusOK:
				if !s.cfg.Interactive {
					t.Fatalf("200 from a non-interactive instance for %q", raw)
				}
			case rec.Code != http.StatusBadRequest:
				t.Fatalf("status %d for %q", rec.Code, raw)
			}
		}
	})
}

// rfc6749TokenErrors are the codes RFC 6749 §5.2 defines.
var rfc6749TokenErrors = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"}

func FuzzTokenForm(f *testing.F) {
	s := newInProcess(f, nil)
	code := func() string {
		req := httptest.NewRequest(http.MethodGet, pathPrefix+PathAuthorize+"?"+webAuthParams().Encode(), nil)
		loc, _ := url.Parse(s.serve(req).Header().Get("Location"))
		return loc.Query().Get("code")
	}
	creds := "client_id=web&client_secret=" + webSecret
	tokenReq := func(body string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	var first struct {
		RefreshToken string `json:"refresh_token"`
	}
	rec := s.serve(tokenReq(creds + "&grant_type=authorization_code&redirect_uri=" + url.QueryEscape(webRedirect) + "&code=" + code()))
	if err := json.Unmarshal(rec.Body.Bytes(), &first); err != nil || first.RefreshToken == "" {
		f.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	for _, seed := range []string{
		creds + "&grant_type=authorization_code&code=" + code() + "&redirect_uri=" + url.QueryEscape(webRedirect),
		creds + "&grant_type=authorization_code&code=" + code() + "&redirect_uri=" + url.QueryEscape(webRedirect2),
		creds + "&grant_type=refresh_token&refresh_token=" + first.RefreshToken,
		creds + "&grant_type=refresh_token&refresh_token=" + first.RefreshToken + "&scope=clubs+%22",
		"client_id=svc&client_secret=" + svcSecret + "&grant_type=client_credentials&scope=anything",
		creds + "&grant_type=client_credentials",
		creds + "&grant_type=password&username=alice&password=x",
		creds + "&grant_type=authorization_code",
		"client_id=web&grant_type=client_credentials",
		"grant_type=client_credentials",
		creds + "&grant_type=%zz",
		creds + "&grant_type=refresh_token&grant_type=refresh_token",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rec := s.serve(tokenReq(body))
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json;charset=UTF-8" {
			t.Fatalf("Content-Type %q for %q", ct, body)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control %q for %q", cc, body)
		}
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("body of %q is not a JSON object: %v: %s", body, err, rec.Body)
		}
		if rec.Code == http.StatusOK {
			// Exactly the documented members, nothing else.
			for k := range got {
				if !slices.Contains([]string{"token_type", "expires_in", "access_token", "refresh_token"}, k) {
					t.Fatalf("success with member %q for %q: %s", k, body, rec.Body)
				}
			}
			if at, _ := got["access_token"].(string); at == "" || got["token_type"] != "bearer" || got["expires_in"] != float64(3600) {
				t.Fatalf("bad success for %q: %s", body, rec.Body)
			}
			return
		}
		code, _ := got["error"].(string)
		if !slices.Contains(rfc6749TokenErrors, code) {
			t.Fatalf("status %d with error %q for %q: %s", rec.Code, code, body, rec.Body)
		}
		if !slices.Contains([]int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge}, rec.Code) {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		// league's shape: error, error_description, message (the same
		// text), and a hint when there is one; nothing else.
		desc, _ := got["error_description"].(string)
		if desc == "" || got["message"] != desc {
			t.Fatalf("error_description and message differ for %q: %s", body, rec.Body)
		}
		for k, v := range got {
			if !slices.Contains([]string{"error", "error_description", "hint", "message"}, k) {
				t.Fatalf("error with member %q for %q: %s", k, body, rec.Body)
			}
			if str, ok := v.(string); !ok || str == "" {
				t.Fatalf("member %q not a non-empty string for %q: %s", k, body, rec.Body)
			}
		}
	})
}

// FuzzSplitJTI checks the jti reader: what it accepts is 80 lowercase hex
// characters whose first 32 are the lifecycle's part, lifeJTI agrees with
// it, and a jti the provider makes is always accepted.
func FuzzSplitJTI(f *testing.F) {
	for _, seed := range []string{
		strings.Repeat("0123456789abcdef", 5),
		strings.Repeat("0123456789ABCDEF", 5),
		strings.Repeat("a", 79),
		strings.Repeat("a", 81),
		"0123456789abcdef0123456789abcdef",
		strings.Repeat("g", 80),
		"",
	} {
		f.Add(seed, true)
	}
	s := newInProcess(f, nil)
	f.Fuzz(func(t *testing.T, jti string, withFamily bool) {
		life, family, ok := splitJTI(jti, withFamily)
		if !ok {
			if lifeJTI(jti) != jti {
				t.Fatalf("lifeJTI changed %q, which splitJTI refuses", jti)
			}
			return
		}
		if len(jti) != 80 || strings.Trim(jti, "0123456789abcdef") != "" {
			t.Fatalf("accepted %q", jti)
		}
		if life != jti[:32] || lifeJTI(jti) != life {
			t.Fatalf("life %q of %q", life, jti)
		}
		if withFamily != (family != "") || (withFamily && family != jti[32:64]) {
			t.Fatalf("family %q of %q (withFamily %v)", family, jti, withFamily)
		}
		// The provider's own jtis round-trip, with or without a family.
		fam := ""
		if withFamily {
			fam = family
		}
		made, err := s.p.newTokenJTI(life, fam)
		if err != nil {
			t.Fatal(err)
		}
		if !s.p.ownJTI(made) {
			t.Fatalf("newTokenJTI(%q, %q) = %q is not the instance's own", life, fam, made)
		}
		gotLife, gotFam, ok := splitJTI(made, withFamily)
		if !ok || gotLife != life || gotFam != fam {
			t.Fatalf("newTokenJTI(%q, %q) = %q, read back as %q %q %v", life, fam, made, gotLife, gotFam, ok)
		}
	})
}

// FuzzArrayParam checks the PHP-style array parser: an error, or a
// non-empty list of distinct, non-empty values each sent under name[] or
// name[<index>].
func FuzzArrayParam(f *testing.F) {
	for _, seed := range []string{
		"accountId[]=a&accountId[]=b",
		"accountId[0]=a&accountId[1]=a",
		"accountId%5B%5D=a",
		"accountId=a",
		"accountId[x]=a&accountId[]=",
		"accountId[99999999999]=a",
		"accountId[]=%zz",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := arrayParam(raw, "accountId")
		if err != nil {
			if values != nil {
				t.Fatalf("values %q with error %v", values, err)
			}
			return
		}
		if len(values) == 0 {
			t.Fatalf("no values and no error for %q", raw)
		}
		q, _ := url.ParseQuery(raw)
		seen := map[string]bool{}
		for _, v := range values {
			if v == "" || seen[v] {
				t.Fatalf("empty or repeated value %q for %q", v, raw)
			}
			seen[v] = true
			found := false
			for k, vs := range q {
				if (k == "accountId[]" || strings.HasPrefix(k, "accountId[")) && slices.Contains(vs, v) {
					found = true
				}
			}
			if !found {
				t.Fatalf("value %q was not sent as accountId[…] in %q", v, raw)
			}
		}
	})
}
