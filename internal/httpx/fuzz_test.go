package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/httpx"
)

const fuzzLimit = 256

// FuzzReadForm: no input panics; an accepted body is a form-typed body
// within the limit whose values survive Encode and ParseQuery unchanged.
// Seeds are in testdata/fuzz/FuzzReadForm as well.
func FuzzReadForm(f *testing.F) {
	f.Add("grant_type=client_credentials&scope=a+b", formType)
	f.Add("a=%zz", formType)
	f.Add("a=1;b=2", formType+"; charset=UTF-8")
	f.Add("=&&=x&k", "Application/X-WWW-Form-URLEncoded")
	f.Add(`{"a":1}`, "application/json")
	f.Add("name=%C5%BElu%C5%A5ou%C4%8Dk%C3%BD", formType+"; charset")
	f.Add(strings.Repeat("a", fuzzLimit+1), formType)
	f.Fuzz(func(t *testing.T, body, contentType string) {
		r := httptest.NewRequest(http.MethodPost, "/token?client_secret=q", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		form, err := httpx.ReadForm(r, fuzzLimit)
		if err != nil {
			if form != nil {
				t.Fatalf("form %v returned with error %v", form, err)
			}
			return
		}
		if form == nil {
			t.Fatal("nil form without error")
		}
		if !httpx.IsMediaType(r, formType) {
			t.Fatalf("accepted content type %q", contentType)
		}
		if len(body) > fuzzLimit {
			t.Fatalf("accepted a %d-byte body over the %d limit", len(body), fuzzLimit)
		}
		if _, leaked := form["client_secret"]; leaked && !strings.Contains(body, "client_secret") {
			t.Fatal("a query parameter leaked into the form")
		}
		back, err := url.ParseQuery(form.Encode())
		if err != nil {
			t.Fatalf("re-parsing %q: %v", form.Encode(), err)
		}
		if len(back) != len(form) {
			t.Fatalf("round trip changed the keys: %v → %v", form, back)
		}
		for k, vs := range form {
			got := back[k]
			if len(got) != len(vs) {
				t.Fatalf("round trip changed %q: %q → %q", k, vs, got)
			}
			for i := range vs {
				if got[i] != vs[i] {
					t.Fatalf("round trip changed %q: %q → %q", k, vs, got)
				}
			}
		}
	})
}
