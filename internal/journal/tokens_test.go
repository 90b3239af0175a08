package journal

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/tokenview"
)

// fakeJWT builds an unsigned-looking JWT with a recognisable signature
// segment, to check it never reaches the journal.
func fakeJWT(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"`+sub+`"}`)) + ".SIG-" + sub
}

// record serves req through a journal with inspect (nil: none) in front
// of h and returns the entry.
func record(t *testing.T, inspect Inspector, req *http.Request, h http.HandlerFunc) Entry {
	t.Helper()
	j := New(10)
	j.SetInspector(inspect)
	handler := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		h(w, r)
	}), j.Middleware(func() time.Time { return t0 }, classifyAll))
	handler.ServeHTTP(httptest.NewRecorder(), req)
	es := j.List(Filter{})
	require.Len(t, es, 1)
	return es[0]
}

func TestMiddlewareDecodesTokens(t *testing.T) {
	bearer, refresh, access, id, frag := fakeJWT("bearer"), fakeJWT("refresh"), fakeJWT("access"), fakeJWT("id"), fakeJWT("frag")
	var providers []string
	inspect := func(provider, token string) (tokenview.View, error) {
		providers = append(providers, provider)
		v, err := tokenview.Inspect(token, nil, func() time.Time { return t0 })
		v.Signature = "valid" // what the server's inspector says for its own keys
		return v, err
	}
	form := "grant_type=refresh_token&refresh_token=" + refresh + "&client_id=app&junk=eyJ.not.json"
	req := httptest.NewRequest(http.MethodPost, "/p/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+bearer)

	e := record(t, inspect, req, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://app.example/cb#id_token="+frag+"&state=s")
		httpx.WriteJSON(w, http.StatusOK, map[string]any{
			"access_token": access, "refresh_token": refresh, // refresh again: decoded once
			"nested": map[string]any{"idToken": id}, "token_type": "bearer",
		})
	})

	view := func(sub string) tokenview.View {
		return tokenview.View{Header: map[string]any{"alg": "ES256", "typ": "JWT"}, Claims: map[string]any{"sub": sub}, Signature: "valid"}
	}
	assert.Equal(t, []JWT{
		{Where: "request.header.Authorization", Fingerprint: Fingerprint(bearer), View: view("bearer")},
		{Where: "request.form.refresh_token", Fingerprint: Fingerprint(refresh), View: view("refresh")},
		{Where: "response.location.id_token", Fingerprint: Fingerprint(frag), View: view("frag")},
		{Where: "response.json.access_token", Fingerprint: Fingerprint(access), View: view("access")},
		{Where: "response.json.nested.idToken", Fingerprint: Fingerprint(id), View: view("id")},
	}, e.Tokens)
	assert.Equal(t, []string{"p", "p", "p", "p", "p"}, providers, "the exchange's instance judges each JWT once; junk is left out")

	raw, err := json.Marshal(e)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "SIG-", "no signature segment is shown, so nothing can be replayed")
	assert.NotContains(t, fmt.Sprintf("%+v", e), "SIG-", "nor printed")
	assert.Contains(t, string(raw), `"tokens":[{"where":"request.header.Authorization","fingerprint":"`+Fingerprint(bearer)+`","header":{"alg":"ES256","typ":"JWT"},"claims":{"sub":"bearer"},"signature":"valid"}`)
}

func TestMiddlewareTokensNeedAnInspector(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/p/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+fakeJWT("a"))
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

	assert.Nil(t, record(t, nil, req, ok).Tokens, "no inspector: nothing decoded")

	failing := func(string, string) (tokenview.View, error) { return tokenview.View{}, errors.New("boom") }
	req = httptest.NewRequest(http.MethodGet, "/p/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+fakeJWT("a"))
	assert.Nil(t, record(t, failing, req, ok).Tokens, "what the inspector cannot decode is left out")
}

func TestMiddlewareDecodesAtMostMaxTokens(t *testing.T) {
	inspect := func(_, token string) (tokenview.View, error) {
		return tokenview.Inspect(token, nil, func() time.Time { return t0 })
	}
	body := map[string]any{}
	for i := range maxTokens + 3 {
		body[string(rune('a'+i))] = fakeJWT(string(rune('a' + i)))
	}
	e := record(t, inspect, httptest.NewRequest(http.MethodGet, "/p/x", nil), func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, body)
	})
	assert.Len(t, e.Tokens, maxTokens)
}

// Signatures are checked when an entry is listed, not on the request
// path, and each listing judges on the clock of that moment.
func TestTokensAreJudgedWhenListed(t *testing.T) {
	calls := 0
	problem := ""
	j := New(10)
	j.SetInspector(func(_, token string) (tokenview.View, error) {
		calls++
		v, err := tokenview.Inspect(token, nil, func() time.Time { return t0 })
		v.Problem = problem
		return v, err
	})
	h := j.Middleware(func() time.Time { return t0 }, classifyAll)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"access_token": fakeJWT("a")})
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/p/token", nil))
	assert.Equal(t, 0, calls, "nothing verified while serving")

	require.Len(t, j.List(Filter{})[0].Tokens, 1)
	assert.Equal(t, 1, calls)
	problem = "token is expired"
	assert.Equal(t, "token is expired", j.List(Filter{})[0].Tokens[0].Problem, "judged again at the next listing")
	assert.Empty(t, j.List(Filter{After: 1}), "a poll with nothing new verifies nothing")
	assert.Equal(t, 2, calls)
}
