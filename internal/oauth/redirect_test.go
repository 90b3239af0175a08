package oauth_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/oauth"
)

func TestMatchRedirectURI(t *testing.T) {
	t.Parallel()
	registered := []string{
		"https://app.example.com/callback",
		"http://localhost:3000/cb?tenant=a",
		"com.example.app:/oauth2redirect",
	}
	tests := []struct {
		name string
		uri  string
		want bool
	}{
		{name: "exact https", uri: "https://app.example.com/callback", want: true},
		{name: "exact with query", uri: "http://localhost:3000/cb?tenant=a", want: true},
		{name: "exact private scheme", uri: "com.example.app:/oauth2redirect", want: true},
		{name: "empty", uri: ""},
		{name: "trailing slash", uri: "https://app.example.com/callback/"},
		{name: "host case", uri: "https://APP.example.com/callback"},
		{name: "path case", uri: "https://app.example.com/Callback"},
		{name: "scheme case", uri: "HTTPS://app.example.com/callback"},
		{name: "extra query", uri: "https://app.example.com/callback?x=1"},
		{name: "query dropped", uri: "http://localhost:3000/cb"},
		{name: "query changed", uri: "http://localhost:3000/cb?tenant=b"},
		{name: "default port made explicit", uri: "https://app.example.com:443/callback"},
		{name: "other port", uri: "http://localhost:3001/cb?tenant=a"},
		{name: "http instead of https", uri: "http://app.example.com/callback"},
		{name: "fragment added", uri: "https://app.example.com/callback#x"},
		{name: "path prefix", uri: "https://app.example.com/call"},
		{name: "path extended", uri: "https://app.example.com/callback/evil"},
		{name: "percent-encoded equivalent", uri: "https://app.example.com/%63allback"},
		{name: "dot segment", uri: "https://app.example.com/x/../callback"},
		{name: "userinfo trick", uri: "https://app.example.com@evil.example/callback"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, oauth.MatchRedirectURI(registered, tc.uri))
		})
	}
}

func TestMatchRedirectURINoneRegistered(t *testing.T) {
	t.Parallel()
	assert.False(t, oauth.MatchRedirectURI(nil, "https://app.example.com/callback"))
	assert.False(t, oauth.MatchRedirectURI([]string{""}, ""), "an empty registration never matches")
}

func TestResolveRedirectURI(t *testing.T) {
	t.Parallel()
	one := []string{"https://a.example/cb"}
	several := []string{"https://a.example/cb", "https://b.example/cb"}
	tests := []struct {
		name       string
		registered []string
		sent       string
		want       string
		wantOK     bool
	}{
		{name: "omitted, one registered", registered: one, want: "https://a.example/cb", wantOK: true},
		{name: "omitted, several registered", registered: several},
		{name: "omitted, none registered"},
		{name: "sent and registered", registered: several, sent: "https://b.example/cb", want: "https://b.example/cb", wantOK: true},
		{name: "sent, one registered, exact", registered: one, sent: "https://a.example/cb", want: "https://a.example/cb", wantOK: true},
		{name: "sent but not registered", registered: one, sent: "https://a.example/cb/", want: "https://a.example/cb/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			uri, ok := oauth.ResolveRedirectURI(tc.registered, tc.sent)
			assert.Equal(t, tc.wantOK, ok)
			if tc.wantOK {
				assert.Equal(t, tc.want, uri)
			}
		})
	}
}

func TestAppendQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		uri    string
		params url.Values
		want   string
	}{
		{
			name:   "no query yet",
			uri:    "https://app.example.com/cb",
			params: url.Values{"code": {"abc"}, "state": {"xyz"}},
			want:   "https://app.example.com/cb?code=abc&state=xyz",
		},
		{
			name:   "existing query is kept in front, as sent",
			uri:    "https://app.example.com/cb?tenant=a&lang=cs",
			params: url.Values{"code": {"abc"}},
			want:   "https://app.example.com/cb?tenant=a&lang=cs&code=abc",
		},
		{
			name:   "existing query keeps its own encoding",
			uri:    "https://app.example.com/cb?next=%2Fhome%3Fa%3D1&flag",
			params: url.Values{"code": {"abc"}},
			want:   "https://app.example.com/cb?next=%2Fhome%3Fa%3D1&flag&code=abc",
		},
		{
			name:   "existing query Go cannot parse is still kept",
			uri:    "https://app.example.com/cb?a=1;b=2",
			params: url.Values{"code": {"abc"}},
			want:   "https://app.example.com/cb?a=1;b=2&code=abc",
		},
		{
			name:   "values are encoded",
			uri:    "https://app.example.com/cb",
			params: url.Values{"error_description": {`scope "x y" & more=ž`}, "state": {"a+b/c?d#e"}},
			want:   "https://app.example.com/cb?error_description=scope+%22x+y%22+%26+more%3D%C5%BE&state=a%2Bb%2Fc%3Fd%23e",
		},
		{
			name:   "private-use scheme",
			uri:    "com.example.app:/cb",
			params: url.Values{"code": {"abc"}},
			want:   "com.example.app:/cb?code=abc",
		},
		{
			name:   "empty trailing question mark",
			uri:    "https://app.example.com/cb?",
			params: url.Values{"code": {"abc"}},
			want:   "https://app.example.com/cb?code=abc",
		},
		{
			name: "no params leaves the URI alone",
			uri:  "https://app.example.com/cb?b=2&a=1",
			want: "https://app.example.com/cb?b=2&a=1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := oauth.AppendQuery(tc.uri, tc.params)
			assert.Equal(t, tc.want, got)
			u, err := url.Parse(got)
			if assert.NoError(t, err) {
				for k, vs := range tc.params {
					assert.Equal(t, vs, u.Query()[k], "a client parsing the redirect finds %s", k)
				}
			}
		})
	}
}

func TestRedirectError(t *testing.T) {
	tests := []struct {
		name, state string
		extra       url.Values
		want        string
	}{
		{"with state and iss", "s 1", url.Values{"iss": {"https://as.test"}}, "https://app.test/cb?x=1&error=access_denied&error_description=the+user+said+no&iss=https%3A%2F%2Fas.test&state=s+1"},
		{"no state", "", nil, "https://app.test/cb?x=1&error=access_denied&error_description=the+user+said+no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			oauth.RedirectError(rec, httptest.NewRequest(http.MethodGet, "/authorize", nil), "https://app.test/cb?x=1", tt.state, oauth.AccessDenied("the user said no"), tt.extra)
			assert.Equal(t, http.StatusFound, rec.Code)
			assert.Equal(t, tt.want, rec.Header().Get("Location"))
		})
	}
}
