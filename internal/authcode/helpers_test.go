package authcode

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

const (
	issuer     = "http://127.0.0.1:1/kit"
	webRedir   = "https://app.example.com/cb"
	spaRedir   = "http://localhost:5173/cb"
	verifier   = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge  = "E9Melhoa2OwvFrEMTJguCQaOWSjCQjFQmAwnSvzn7Bg" // S256 of verifier (RFC 7636 appendix B)
	codeTTL    = time.Minute
	refreshTTL = time.Hour
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// problem is the error the tests' Word returns: the kit's finding itself,
// so that a test asserts which problem the kit found, not a dialect's text.
type problem struct {
	P      Problem
	Detail string
}

func (p problem) Error() string { return fmt.Sprintf("problem %d %s", p.P, p.Detail) }

func word(p Problem, detail string) error { return problem{p, detail} }

var testClients = []fixtures.Client{
	{ID: "web", Secret: "s3cret", Name: "Web <App>", RedirectURIs: []string{webRedir, webRedir + "2"}, DefaultUser: "alice"},
	{ID: "spa", Public: true, RedirectURIs: []string{spaRedir}},
	{ID: "strict", Secret: "s", RedirectURIs: []string{webRedir}, RequirePKCE: true},
	{ID: "service", Secret: "s", RedirectURIs: []string{webRedir}, GrantTypes: []string{"client_credentials"}},
}

var testUsers = []fixtures.User{
	{Username: "alice", Password: "pw-alice", Subject: "sub-alice"},
	{Username: "bob", Password: "pw-bob"},
	{Username: "dora", Password: "pw-dora", Subject: "sub-dora", Disabled: true},
}

// oidcLike and leagueLike are the two policies the dialects use, reduced
// to what the kit decides.
func oidcLike(p *Policy) {
	p.AcceptPOST, p.OpenID, p.IssuerInRedirect = true, true, true
	p.DPoP.Enabled = true
	p.PKCE = PKCERules{Honour: true, PublicClients: true, RefusePlain: true}
	p.AllowPublic, p.Reuse, p.RefreshRevokesGrant = true, ReuseRevoke, true
	p.Subject = fixtures.User.SubjectOrUsername
}

func leagueLike(p *Policy) {
	p.RequireRedirectURI = true
	p.Reuse = ReuseRefuse
	p.Subject = func(u fixtures.User) string { return u.Subject }
	p.Pages.Noun, p.Pages.Implicit = "application", "the implicit grant is not available"
}

// kit is one flow on a memory store with a frozen clock.
type kit struct {
	t      testing.TB
	f      *Flow
	st     store.Store
	life   *lifecycle.Lifecycle
	clk    *clock.Controlled
	tokens *fakeTokens
}

func newKit(t testing.TB, mutate func(*Policy)) *kit {
	clk := clock.NewFrozen(t0)
	backend := memory.New(clk)
	t.Cleanup(func() { _ = backend.Close() })
	deps := provider.Deps{
		Name: "kit", Issuer: issuer, Clock: clk, Store: backend.Namespace("kit"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Rand: rand.Reader, MaxBody: 1 << 16,
	}
	pol := Policy{
		DecisionURL:      issuer + "/decision",
		CodeGrantEnabled: true,
		CodeTTL:          codeTTL,
		Scopes: func(_ fixtures.Client, param string) ([]string, error) {
			return oauth.ParseScope(param), nil
		},
		Subject:       fixtures.User.SubjectOrUsername,
		OffersRefresh: func(fixtures.Client) bool { return true },
		Word:          word,
		Pages: Words{
			Noun:      "client",
			Malformed: func(err error) (string, string) { return "Invalid request", err.Error() },
		},
	}
	if mutate != nil {
		mutate(&pol)
	}
	cfg := lifecycle.ForInstance(deps, nil, nil)
	cfg.RefreshRevokesGrant = pol.RefreshRevokesGrant // as the dialect sets both
	life := lifecycle.New(cfg)
	tokens := &fakeTokens{life: life, st: deps.Store, clk: clk, issued: map[string]lifecycle.Facts{}}
	f, err := New(Deps{Deps: deps, Dir: directory.New(testClients, testUsers), Life: life}, pol, tokens)
	require.NoError(t, err)
	return &kit{t: t, f: f, st: deps.Store, life: life, clk: clk, tokens: tokens}
}

// fakeTokens issues the lifecycle's jti as the access token and real
// refresh families, remembering each access token's facts.
type fakeTokens struct {
	life *lifecycle.Lifecycle
	st   store.Store
	clk  *clock.Controlled

	mu     sync.Mutex
	issued map[string]lifecycle.Facts
}

func (ft *fakeTokens) Prepare(g store.Grant, c fixtures.Client) (Access, error) {
	f := ft.life.NewAccess(g.Username, c.ID, g.FamilyID, ft.clk.Now().Add(time.Hour))
	return Access{Facts: f, JTI: "x-" + f.JTI, Extra: map[string]string{"access": "x-" + f.JTI}}, nil
}

func (ft *fakeTokens) RefreshTTL(fixtures.Client) time.Duration { return refreshTTL }

func (ft *fakeTokens) Issue(ctx context.Context, is Issue) (*oauth.TokenResponse, error) {
	now := ft.clk.Now()
	var f lifecycle.Facts
	if is.Access != nil {
		f = is.Access.Facts
	} else {
		f = ft.life.NewAccess(is.Grant.Username, is.Client.ID, is.Grant.FamilyID, now.Add(time.Hour))
	}
	scopes := is.Grant.Scopes
	if is.Scopes != nil {
		scopes = is.Scopes
	}
	resp := &oauth.TokenResponse{AccessToken: "x-" + f.JTI, TokenType: "Bearer", RefreshToken: is.RefreshToken, Scope: oauth.FormatScope(scopes)}
	if is.Refresh {
		rt := rand.Text()
		rec := store.RefreshRecord{Grant: is.Grant, IssuedAt: now, ExpiresAt: now.Add(refreshTTL), Access: []store.AccessStamp{f.Stamp()}}
		if rec.Grant.Seq == 0 {
			rec.Grant.Seq = ft.life.NewFamily(is.Grant.Username, is.Client.ID, rec.ExpiresAt)
		}
		if err := ft.st.IssueRefresh(ctx, rt, rec); err != nil {
			return nil, err
		}
		resp.RefreshToken = rt
	}
	ft.mu.Lock()
	ft.issued[resp.AccessToken] = f
	ft.mu.Unlock()
	return resp, nil
}

// state is what the lifecycle says of an access token the fake issued.
func (k *kit) state(access string) lifecycle.State {
	k.tokens.mu.Lock()
	f, ok := k.tokens.issued[access]
	k.tokens.mu.Unlock()
	require.True(k.t, ok, "issued %s", access)
	st, err := k.life.Check(k.t.Context(), f)
	require.NoError(k.t, err)
	return st
}

// authorize runs /authorize and returns the response.
func (k *kit) authorize(q url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	k.f.ServeAuthorize(rec, httptest.NewRequest(http.MethodGet, "/authorize?"+q.Encode(), nil))
	return rec
}

// code runs a non-interactive /authorize and returns the code.
func (k *kit) code(q url.Values) string {
	rec := k.authorize(q)
	require.Equal(k.t, http.StatusFound, rec.Code, rec.Body.String())
	loc, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(k.t, err)
	require.NotEmpty(k.t, loc.Query().Get("code"), loc.String())
	return loc.Query().Get("code")
}

func (k *kit) client(id string) fixtures.Client {
	for _, c := range testClients {
		if c.ID == id {
			return c
		}
	}
	k.t.Fatalf("no client %s", id)
	return fixtures.Client{}
}

// token calls a grant with a form, as the token endpoint would.
func (k *kit) token(g oauth.Grant, client string, form url.Values) (*oauth.TokenResponse, error) {
	return g.Handle(k.t.Context(), &oauth.TokenRequest{GrantType: g.Type(), Form: form, Client: k.client(client)})
}

func webQuery() url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {webRedir}, "state": {"st"}, "scope": {"openid profile"}}
}

func merge(base url.Values, over url.Values) url.Values {
	out := url.Values{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if len(v) == 1 && v[0] == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}
