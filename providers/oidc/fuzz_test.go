package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
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
	// Forget codes and tokens now and then so a long fuzzing run does not
	// grow the store without bound.
	if ip.runs++; ip.runs%4096 == 0 {
		_ = ip.backend.Reset(req.Context(), "oidc")
	}
	rec := httptest.NewRecorder()
	ip.router.ServeHTTP(rec, req)
	return rec
}

func (ip *inProcess) client(id string) (fixtures.Client, bool) {
	i := slices.IndexFunc(ip.cfg.Clients, func(c fixtures.Client) bool { return c.ID == id })
	if i < 0 {
		return fixtures.Client{}, false
	}
	return ip.cfg.Clients[i], true
}

// checkAuthorizeRedirect is the authorization endpoint's safety property: a
// redirect goes only to a URI registered, exactly, for the client the
// request names, carrying only response parameters.
func (ip *inProcess) checkAuthorizeRedirect(t *testing.T, rawQuery, location string) {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		t.Fatalf("redirected although the query does not parse (%v): %q -> %q", err, rawQuery, location)
	}
	client, ok := ip.client(q.Get("client_id"))
	if !ok {
		t.Fatalf("redirected for unknown client %q: %q", q.Get("client_id"), location)
	}
	target := q.Get("redirect_uri")
	switch {
	case target == "" && len(client.RedirectURIs) != 1:
		t.Fatalf("redirected without redirect_uri although %d are registered: %q", len(client.RedirectURIs), location)
	case target == "":
		target = client.RedirectURIs[0]
	case !slices.Contains(client.RedirectURIs, target):
		t.Fatalf("redirected to unregistered %q", target)
	}
	loc, err := url.Parse(location)
	if err != nil {
		t.Fatalf("unparsable Location %q: %v", location, err)
	}
	reg, _ := url.Parse(target)
	if loc.Scheme != reg.Scheme || loc.Host != reg.Host || loc.Path != reg.Path || loc.Fragment != "" || loc.User != nil {
		t.Fatalf("Location %q is not registered URI %q", location, target)
	}
	got := loc.Query()
	for k, v := range reg.Query() {
		if !slices.Equal(got[k], v) {
			t.Fatalf("Location %q lost registered parameter %q", location, k)
		}
		delete(got, k)
	}
	for k := range got {
		if !slices.Contains([]string{"code", "state", "iss", "error", "error_description"}, k) {
			t.Fatalf("Location %q carries unexpected parameter %q", location, k)
		}
	}
	if got.Get("iss") != fuzzIssuer {
		t.Fatalf("Location %q has iss %q", location, got.Get("iss"))
	}
	if got.Get("state") != q.Get("state") {
		t.Fatalf("Location %q does not echo state %q", location, q.Get("state"))
	}
	if (got.Get("code") == "") == (got.Get("error") == "") {
		t.Fatalf("Location %q carries neither or both of code and error", location)
	}
}

func FuzzAuthorizeQuery(f *testing.F) {
	for _, seed := range []string{
		webAuthParams().Encode(),
		"response_type=code&client_id=spa&code_challenge=" + rfcChallenge + "&code_challenge_method=S256&state=x",
		"response_type=code&client_id=spa&redirect_uri=http%3A%2F%2Flocalhost%3A5173%2Fcallback",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb2%3Ftenant%3Dacme&state=%00",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%2F",
		"response_type=token&client_id=service&redirect_uri=https%3A%2F%2Fservice.example.com%2Fcb",
		"client_id=web&client_id=web",
		"client_id=web&redirect_uri=%zz",
		"response_type=code&client_id=web&redirect_uri=https://app.example.com/cb&prompt=none&login_hint=carol",
		"response_type=code&client_id=web&redirect_uri=https://app.example.com/cb&scope=openid+%22&code_challenge=abc",
		"response_type=code&client_id=partner&redirect_uri=https://partner.example.com/cb#frag",
		"response_type=code&client_id=partner&redirect_uri=https://partner.example.com/cb;x=y",
		"",
	} {
		f.Add(seed)
	}
	servers := []*inProcess{newInProcess(f, nil), newInProcess(f, interactive)}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, s := range servers {
			req := httptest.NewRequest(http.MethodGet, pathPrefix+PathAuthorize, nil)
			req.URL.RawQuery = raw
			rec := s.serve(req)
			switch {
			case rec.Code >= 500:
				t.Fatalf("status %d for %q: %s", rec.Code, raw, rec.Body)
			case rec.Code >= 300 && rec.Code < 400:
				s.checkAuthorizeRedirect(t, raw, rec.Header().Get("Location"))
			case rec.Code == http.StatusOK:
				if !s.cfg.Interactive {
					t.Fatalf("200 from a non-interactive instance for %q", raw)
				}
			}
		}
	})
}

// rfc6749TokenErrors are the codes RFC 6749 §5.2 defines.
var rfc6749TokenErrors = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"}

func FuzzTokenForm(f *testing.F) {
	s := newInProcess(f, nil)

	// Live credentials for seeds, so the fuzzer starts from successes.
	code := func() string {
		req := httptest.NewRequest(http.MethodGet, pathPrefix+PathAuthorize+"?"+webAuthParams().Encode(), nil)
		loc, _ := url.Parse(s.serve(req).Header().Get("Location"))
		return loc.Query().Get("code")
	}
	tokenReq := func(body string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, pathPrefix+PathToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", basicAuth(webID, webSecret))
		return req
	}
	var pw struct {
		RefreshToken string `json:"refresh_token"`
	}
	rec := s.serve(tokenReq("grant_type=password&username=alice&password=" + url.QueryEscape(alicePassword) + "&scope=openid"))
	if err := json.Unmarshal(rec.Body.Bytes(), &pw); err != nil || pw.RefreshToken == "" {
		f.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}

	for _, seed := range []string{
		"grant_type=authorization_code&code=" + code() + "&redirect_uri=" + url.QueryEscape(webRedirect),
		"grant_type=authorization_code&code=" + code() + "&redirect_uri=" + url.QueryEscape(webRedirect) + "&code_verifier=" + rfcVerifier,
		"grant_type=refresh_token&refresh_token=" + pw.RefreshToken,
		"grant_type=refresh_token&refresh_token=" + pw.RefreshToken + "&scope=openid+profile",
		"grant_type=password&username=alice&password=" + url.QueryEscape(alicePassword) + "&scope=openid+email",
		"grant_type=password&username=carol&password=" + url.QueryEscape(carolPassword),
		"grant_type=password&username=alice",
		"grant_type=client_credentials&scope=api%3Aread",
		"grant_type=authorization_code",
		"grant_type=refresh_token&refresh_token=&scope=%22",
		"grant_type=client_credentials&client_secret=x",
		"grant_type=client_credentials&client_id=partner",
		"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c",
		"grant_type=password&grant_type=password",
		"grant_type=%zz",
		"grant_type=password&username=%00&password=%FF&scope=openid+%7F",
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
			if at, _ := got["access_token"].(string); at == "" || got["token_type"] != "Bearer" {
				t.Fatalf("success without a token for %q: %s", body, rec.Body)
			}
			if _, isErr := got["error"]; isErr {
				t.Fatalf("success with an error member for %q: %s", body, rec.Body)
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
	})
}

// FuzzAdminToken feeds the admin API's token selector, which this dialect
// parses itself: whatever the string, the answer is a count or
// provider.ErrUnknownToken, never another error or a panic, and only a
// token this instance would accept (an access token that verifies, a
// refresh token it holds) is ever counted. A token signed by another
// process with the same key and issuer verifies here, so it counts too.
func FuzzAdminToken(f *testing.F) {
	s := newInProcess(f, nil)
	res, err := s.p.Mint(f.Context(), provider.MintRequest{ClientID: webID, Username: "alice", Scopes: []string{"openid", "offline_access"}})
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(res.AccessToken, ".")
	for _, seed := range []string{
		res.AccessToken, res.RefreshToken, res.IDToken,
		parts[0] + "." + parts[1] + ".",
		"eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + parts[1] + ".",
		"a.b.c", "..", "", "no-such-token",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if token == "" {
			return // the selector is invalid, a 400 before the dialect sees it
		}
		_, verr := s.p.verifyAccessToken(t.Context(), token)
		_, rerr := s.p.deps.Store.LookupRefresh(t.Context(), token)
		accepted := verr == nil || rerr == nil
		for _, call := range []func(context.Context, provider.TokenSelector) (provider.Selected, error){s.p.life.Expire, s.p.life.Revoke} {
			n, err := call(t.Context(), provider.TokenSelector{Token: token})
			if err != nil && !errors.Is(err, provider.ErrUnknownToken) {
				t.Fatalf("token %q: %v", token, err)
			}
			if n.AccessTokens+n.RefreshTokens > 0 && !accepted {
				t.Fatalf("token %q, which the instance does not accept, selected %+v", token, n)
			}
		}
	})
}
