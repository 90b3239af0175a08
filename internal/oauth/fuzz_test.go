package oauth_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/oauth"
)

// The committed seed corpora live in testdata/fuzz/FuzzXxx; run a target
// with, for example:
//
//	go test -run='^$' -fuzz='^FuzzExtractCredentials$' -fuzztime=10s ./internal/oauth

// FuzzExtractCredentials: no header or body panics; every success names a
// client, and a Basic success is exactly what re-encoding the result the
// x/oauth2 way decodes to.
func FuzzExtractCredentials(f *testing.F) {
	f.Add(basicAuth("web", "web-secret"), "grant_type=client_credentials")
	f.Add(basicAuth(trickyID, trickySecret), "client_id="+url.QueryEscape(trickyID))
	f.Add(rawBasic("spa:"), "")
	f.Add(rawBasic(":x"), "")
	f.Add("Basic !!!", "client_id=spa")
	f.Add("basic "+base64.StdEncoding.EncodeToString([]byte("a%zz:b")), "")
	f.Add("", "client_id=web&client_secret=web-secret")
	f.Add("Bearer abc", "client_id=spa")
	f.Add(basicAuth("web", "s"), "client_secret=")
	f.Fuzz(func(t *testing.T, authorization, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			form = url.Values{}
		}
		r := httptest.NewRequest(http.MethodPost, "/token", nil)
		r.Header["Authorization"] = []string{authorization}
		creds, err := oauth.ExtractCredentials(r, form)
		if err != nil {
			var e *oauth.Error
			if !errors.As(err, &e) {
				t.Fatalf("non-protocol error %T %v", err, err)
			}
			if e.Code != oauth.CodeInvalidRequest && e.Code != oauth.CodeInvalidClient {
				t.Fatalf("unexpected code %s", e.Code)
			}
			if creds != (oauth.Credentials{}) {
				t.Fatalf("credentials %+v returned with error", creds)
			}
			return
		}
		if creds.ID == "" {
			t.Fatalf("success without a client id: %+v", creds)
		}
		switch creds.Method {
		case oauth.AuthClientSecretBasic:
			if !creds.HasSecret {
				t.Fatal("Basic without HasSecret")
			}
			if _, ok := form["client_secret"]; ok {
				t.Fatal("Basic accepted together with a body client_secret")
			}
			if id := form.Get("client_id"); id != "" && id != creds.ID {
				t.Fatalf("body client_id %q accepted with Basic id %q", id, creds.ID)
			}
			again, err := oauth.ExtractCredentials(tokenRequest(basicAuth(creds.ID, creds.Secret), nil), url.Values{})
			if err != nil || again != creds {
				t.Fatalf("re-encoded %+v decodes to %+v, %v", creds, again, err)
			}
		case oauth.AuthClientSecretPost:
			if creds.ID != form.Get("client_id") || creds.Secret != form.Get("client_secret") || !creds.HasSecret {
				t.Fatalf("post credentials %+v do not match the form %v", creds, form)
			}
		case oauth.AuthNone:
			if creds.ID != form.Get("client_id") || creds.HasSecret || creds.Secret != "" {
				t.Fatalf("public credentials %+v do not match the form %v", creds, form)
			}
		case oauth.AuthClientSecretJWT, oauth.AuthPrivateKeyJWT:
			if creds.Assertion == "" || creds.Assertion != form.Get("client_assertion") || creds.HasSecret {
				t.Fatalf("assertion credentials %+v do not match the form %v", creds, form)
			}
		default:
			t.Fatalf("unknown method %q", creds.Method)
		}
	})
}

// FuzzVerifyPKCE: the S256 challenge of v verifies iff v is a valid
// verifier; a plain challenge likewise; a different verifier never does.
func FuzzVerifyPKCE(f *testing.F) {
	f.Add(rfcVerifier, strings.Repeat("x", 43))
	f.Add(strings.Repeat("a", 42), strings.Repeat("a", 43))
	f.Add(strings.Repeat("~", 128), strings.Repeat("~", 129))
	f.Add("", rfcVerifier)
	f.Add(rfcVerifier[:42]+"é", rfcVerifier)
	f.Fuzz(func(t *testing.T, verifier, other string) {
		valid := oauth.ValidPKCEValue(verifier)
		err := oauth.VerifyPKCE(oauth.S256Challenge(verifier), oauth.PKCES256, verifier)
		if (err == nil) != valid {
			t.Fatalf("S256: valid=%v but VerifyPKCE error %v", valid, err)
		}
		if err != nil && !errors.Is(err, oauth.ErrInvalidGrant) {
			t.Fatalf("S256 failure is not invalid_grant: %v", err)
		}
		if valid {
			if err := oauth.VerifyPKCE(verifier, oauth.PKCEPlain, verifier); err != nil {
				t.Fatalf("plain: valid verifier rejected: %v", err)
			}
		}
		if other != verifier {
			if oauth.VerifyPKCE(oauth.S256Challenge(verifier), oauth.PKCES256, other) == nil {
				t.Fatalf("S256 challenge of %q accepted verifier %q", verifier, other)
			}
			if verifier != "" && oauth.VerifyPKCE(verifier, oauth.PKCEPlain, other) == nil {
				t.Fatalf("plain challenge %q accepted verifier %q", verifier, other)
			}
		}
	})
}

// FuzzMatchRedirectURI: a match is always character-for-character equality
// with a registered URI, and an exact registered URI always matches.
func FuzzMatchRedirectURI(f *testing.F) {
	f.Add("https://app.example.com/cb", "https://app.example.com/cb/")
	f.Add("https://app.example.com/cb", "HTTPS://app.example.com/cb")
	f.Add("http://localhost:3000/cb?x=1", "http://localhost:3000/cb?x=1")
	f.Add("com.example.app:/cb", "com.example.app:/cb#")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, registered, uri string) {
		list := []string{registered, "https://fixed.example/cb"}
		if oauth.MatchRedirectURI(list, uri) {
			if !slices.Contains(list, uri) || uri == "" {
				t.Fatalf("%q matched %q without being equal to one", uri, list)
			}
		} else if uri != "" && (uri == registered || uri == list[1]) {
			t.Fatalf("registered %q did not match itself", uri)
		}
		if got, ok := oauth.ResolveRedirectURI(list, uri); ok && !slices.Contains(list, got) {
			t.Fatalf("resolved to unregistered %q", got)
		}
	})
}

// FuzzParseScope: no empty or duplicate items, none containing a space, and
// formatting re-parses to the same list.
func FuzzParseScope(f *testing.F) {
	f.Add("openid profile email")
	f.Add("  a  b a ")
	f.Add("a\tb")
	f.Add("")
	f.Add("\x00 \xff ž")
	f.Fuzz(func(t *testing.T, s string) {
		items := oauth.ParseScope(s)
		seen := map[string]bool{}
		for _, it := range items {
			if it == "" || strings.Contains(it, " ") {
				t.Fatalf("bad item %q in %q", it, items)
			}
			if seen[it] {
				t.Fatalf("duplicate %q in %q", it, items)
			}
			seen[it] = true
			if !strings.Contains(s, it) {
				t.Fatalf("item %q is not in the input", it)
			}
		}
		if again := oauth.ParseScope(oauth.FormatScope(items)); !slices.Equal(again, items) {
			t.Fatalf("%q re-parses to %q", items, again)
		}
	})
}
