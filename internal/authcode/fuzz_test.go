package authcode

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/oauth"
)

// FuzzParseAuthorize reads any query (or, with post, form body) as an
// authorization request under the oidc-like or the league-like policy.
// Exactly one outcome: unreadable parameters, a page error, an error to
// redirect (with the request so far), or a request whose redirect URI is
// registered for its client and whose PKCE fields obey the policy.
func FuzzParseAuthorize(f *testing.F) {
	for _, seed := range []string{
		webQuery().Encode(),
		"response_type=code&client_id=spa&code_challenge=" + challenge + "&code_challenge_method=S256&state=x",
		"response_type=code&client_id=spa&code_challenge=" + challenge,
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb2&nonce=n&prompt=none",
		"response_type=token&client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb",
		"response_type=code&client_id=strict&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&request_uri=urn%3Ax",
		"client_id=web&client_id=web",
		"client_id=web&redirect_uri=%zz",
		webQuery().Encode() + "&dpop_jkt=0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
		webQuery().Encode() + "&dpop_jkt=0ZcOCORZNYy+DWpqq30jZyJGHTN0d2HglBV3uiguA4I=",
		"",
	} {
		f.Add(seed, false, false)
		f.Add(seed, true, true)
	}
	oidc, league := newKit(f, oidcLike), newKit(f, leagueLike)
	f.Fuzz(func(t *testing.T, query string, openID, post bool) {
		k := league
		if openID {
			k = oidc
		}
		r := httptest.NewRequest(http.MethodGet, "/authorize", nil)
		r.URL.RawQuery = query
		if post {
			r = httptest.NewRequest(http.MethodPost, "/authorize", strings.NewReader(query))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		q, err := Params(r, k.f.pol.AcceptPOST, 1<<16)
		if err != nil {
			return
		}
		req, client, perr, err := k.f.Parse(t.Context(), q)
		switch {
		case perr != nil:
			if req != nil || err != nil || perr.Status != http.StatusBadRequest || perr.Message == "" {
				t.Fatalf("a page error with more: %+v %v %v", perr, req, err)
			}
			return
		case req == nil:
			t.Fatalf("no page error and no request (err %v)", err)
		case !slices.Contains(client.RedirectURIs, req.RedirectURI) || req.ClientID != client.ID:
			t.Fatalf("redirects to %q, not registered for %q", req.RedirectURI, client.ID)
		case err != nil:
			var e *oauth.Error
			if !errors.As(err, &e) || e.Code == "" {
				t.Fatalf("a redirected error that is not an oauth.Error: %v", err)
			}
			return
		}
		if req.DPoPJKT != "" && (!k.f.pol.DPoP.Enabled || !isThumbprint(req.DPoPJKT)) {
			t.Fatalf("dpop_jkt %q kept against the policy", req.DPoPJKT)
		}
		switch m := req.CodeChallengeMethod; {
		case !k.f.pol.PKCE.Honour && (m != "" || req.CodeChallenge != ""):
			t.Fatalf("PKCE not honoured, yet kept %q", m)
		case m != "" && m != oauth.PKCES256 && m != oauth.PKCEPlain:
			t.Fatalf("method %q", m)
		case m == oauth.PKCEPlain && k.f.pol.PKCE.RefusePlain:
			t.Fatal("plain accepted against the policy")
		case client.Public && k.f.pol.PKCE.PublicClients && req.CodeChallenge == "":
			t.Fatal("a public client without a challenge")
		case req.CodeChallenge != "" && !oauth.ValidPKCEValue(req.CodeChallenge):
			t.Fatalf("challenge %q", req.CodeChallenge)
		}
	})
}
