package journal

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
)

func classifyAll(r *http.Request) (string, bool) {
	if strings.HasPrefix(r.URL.Path, "/_authmock/") {
		return "", false
	}
	return "p", true
}

// serve runs one request through the middleware in front of h and returns
// the recorded entry and the body h saw.
func serve(t *testing.T, req *http.Request, h http.HandlerFunc) (Entry, string) {
	t.Helper()
	j := New(10)
	var seen string
	handler := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			seen = "error: " + err.Error()
		} else {
			seen = string(b)
		}
		h(w, r)
	}), httpx.MaxBytes(1<<20), j.Middleware(func() time.Time { return t0 }, classifyAll))
	handler.ServeHTTP(httptest.NewRecorder(), req)
	es := j.List(Filter{})
	require.Len(t, es, 1)
	return es[0], seen
}

func TestMiddlewareRedactsFormAndHeaders(t *testing.T) {
	form := "grant_type=refresh_token&refresh_token=rt-secret&client_id=app&client_secret=s3cret"
	req := httptest.NewRequest(http.MethodPost, "/p/token?x=1&code=c0de", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic YXBwOnMzY3JldA==")
	req.Header.Set("refresh-token", "rt-header")
	req.Header.Set("DPoP", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.dpop-signature")
	req.Header.Set("User-Agent", "test-client/1.0")

	e, seen := serve(t, req, func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"access_token": "at-secret", "token_type": "bearer", "expires_in": 3600})
	})

	assert.Equal(t, form, seen, "the handler reads the body exactly as sent")
	assert.Equal(t, t0, e.Time)
	assert.Equal(t, "p", e.Provider)
	assert.Equal(t, "POST", e.Method)
	assert.Equal(t, "/p/token", e.Path)
	assert.Equal(t, map[string][]string{"x": {"1"}, "code": {Fingerprint("c0de")}}, e.Query)
	assert.Equal(t, map[string][]string{
		"grant_type":    {"refresh_token"},
		"refresh_token": {Fingerprint("rt-secret")},
		"client_id":     {"app"},
		"client_secret": {Fingerprint("s3cret")},
	}, e.Form)
	assert.Equal(t, []string{"Basic " + Fingerprint("YXBwOnMzY3JldA==")}, e.Headers["Authorization"])
	assert.Equal(t, []string{Fingerprint("rt-header")}, e.Headers["Refresh-Token"])
	assert.Equal(t, []string{Fingerprint("eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.dpop-signature")}, e.Headers["Dpop"])
	assert.Equal(t, []string{"test-client/1.0"}, e.Headers["User-Agent"])
	assert.Equal(t, 200, e.Status)
	assert.Equal(t, map[string]any{"access_token": Fingerprint("at-secret"), "token_type": "bearer", "expires_in": json.Number("3600")}, e.Response.JSON)

	raw, err := json.Marshal(e)
	require.NoError(t, err)
	for _, secret := range []string{"rt-secret", "s3cret", "YXBwOnMzY3JldA", "rt-header", "at-secret", "c0de", "dpop-signature"} {
		assert.NotContains(t, string(raw), secret)
	}
}

func TestMiddlewareJSONBodyAndRedirect(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/p/v2/signin/token", strings.NewReader(`{"_cloudId": 123456789, "nested": {"password": "pw"}}`))
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("Authorization", "User 0123abcd")
	e, _ := serve(t, req, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://app.test/cb?token=0123abcd&cloudid=123456789&state=xyz")
		w.WriteHeader(http.StatusFound)
	})
	assert.Equal(t, map[string]any{"_cloudId": json.Number("123456789"), "nested": map[string]any{"password": Fingerprint("pw")}}, e.JSON)
	assert.Equal(t, []string{"User " + Fingerprint("0123abcd")}, e.Headers["Authorization"])
	assert.Equal(t, 302, e.Status)
	loc := e.Response.Headers["Location"][0]
	assert.NotContains(t, loc, "0123abcd")
	assert.Contains(t, loc, "cloudid=123456789&state=xyz")
}

// The journal shows the response headers as they were when the answer
// started, the ones clients act on only, even when the handler sets
// others later (net/http sends the first ones too).
func TestMiddlewareResponseHeadersAsSent(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/p/userinfo", nil)
	e, _ := serve(t, req, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		h.Add("Cache-Control", "no-store")
		h.Add("Cache-Control", "private")
		h.Set("X-Other", "not shown")
		w.WriteHeader(http.StatusUnauthorized)
		h.Set("WWW-Authenticate", "changed after the answer started")
		h.Add("Cache-Control", "added after")
		_, _ = w.Write([]byte(`{}`))
	})
	assert.Equal(t, map[string][]string{
		"Content-Type":     {"application/json"},
		"WWW-Authenticate": {`Bearer error="invalid_token"`},
		"Cache-Control":    {"no-store", "private"},
	}, e.Response.Headers)
	assert.Equal(t, 401, e.Status)
}

func TestMiddlewareBodyNotes(t *testing.T) {
	tests := []struct {
		name, contentType, body, wantNote string
	}{
		{"text", "text/plain", "hello", "5 bytes of text/plain, not shown"},
		{"unlabelled", "", "hello", "5 bytes of unlabelled content, not shown"},
		{"bad json", "application/json", "{", "1 bytes of application/json that are not valid JSON, not shown"},
		{"two json values", "application/json", "{} {}", "5 bytes of application/json that are not valid JSON, not shown"},
		{"bad form", "application/x-www-form-urlencoded", "a=%zz", "malformed form body, not shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/p/x", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			e, seen := serve(t, req, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
			assert.Equal(t, tt.body, seen)
			assert.Equal(t, tt.wantNote, e.BodyNote)
			assert.Nil(t, e.Form)
			assert.Nil(t, e.JSON)
			assert.Equal(t, 204, e.Status)
		})
	}
}

func TestMiddlewareLargeBodyPassesThroughWhole(t *testing.T) {
	big := "a=" + strings.Repeat("x", captureLimit+10)
	req := httptest.NewRequest(http.MethodPost, "/p/x", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e, seen := serve(t, req, func(w http.ResponseWriter, r *http.Request) {})
	assert.Equal(t, big, seen)
	assert.Nil(t, e.Form)
	assert.Equal(t, "16396 bytes of application/x-www-form-urlencoded, not shown: bodies over 16384 bytes are cut whole", e.BodyNote, "the size the handler read")
	assert.Equal(t, 200, e.Status, "a handler that writes nothing answers 200")
}

func TestMiddlewareKeepsTheBodyLimit(t *testing.T) {
	j := New(10)
	var readErr error
	h := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	}), httpx.MaxBytes(16), j.Middleware(func() time.Time { return t0 }, classifyAll))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/p/x", strings.NewReader(strings.Repeat("x", 100))))
	var tooLarge *http.MaxBytesError
	assert.ErrorAs(t, readErr, &tooLarge, "the handler still sees the server's body limit")
	assert.Equal(t, 413, j.List(Filter{})[0].Status)
}

func TestMiddlewareSkipsAndAnnotates(t *testing.T) {
	j := New(10)
	h := j.Middleware(func() time.Time { return t0 }, classifyAll)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Annotate(w, "rule 7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/_authmock/journal", nil))
	assert.Empty(t, j.List(Filter{}), "the admin API's own calls are not recorded")

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/p/x", nil))
	es := j.List(Filter{})
	require.Len(t, es, 1)
	assert.Equal(t, "rule 7", es[0].Fault)
	assert.Equal(t, 429, es[0].Status)

	Annotate(httptest.NewRecorder(), "ignored outside the middleware") // must not panic
	Annotate(nil, "ignored")
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://a.test/cb?code=abc&state=s", "http://a.test/cb?code=" + Fingerprint("abc") + "&state=s"},
		{"http://a.test/cb#access_token=abc&token_type=bearer", "http://a.test/cb#access_token=" + Fingerprint("abc") + "&token_type=bearer"},
		{"http://u:pw@a.test/", "http://u:redacted@a.test/"},
		{"/relative?x=1", "/relative?x=1"},
		{"http://a.test/cb?token=a%2Bb", "http://a.test/cb?token=" + Fingerprint("a+b")},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, redactURL(tt.in), tt.in)
	}
}

func url_(s string) string {
	return strings.NewReplacer("‹", "%E2%80%B9", "›", "%E2%80%BA", ":", "%3A", " ", "+").Replace(s)
}

func TestIsSecretField(t *testing.T) {
	for _, name := range []string{"password", "client_secret", "refresh-token", "refreshToken", "accessToken", "CODE", "code_verifier", "signature"} {
		assert.True(t, IsSecretField(name), name)
	}
	for _, name := range []string{"client_id", "username", "grant_type", "_cloudId", "scope", "state", "redirect_uri", "timestamp"} {
		assert.False(t, IsSecretField(name), name)
	}
}

// A JSON string holding a URL has its secret query parameters redacted,
// such as the user_code in RFC 8628's verification_uri_complete; other
// strings are left alone.
func TestRedactJSONURLs(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(`{"device_code":"dc","verification_uri":"http://a.test/device",
		"verification_uri_complete":"http://a.test/device?user_code=WDJB-MJHT",
		"nested":[{"next":"https://a.test/x?state=s&code=c"}],"note":"what? no://"}`), &doc))
	got, err := json.Marshal(RedactJSON(doc))
	require.NoError(t, err)
	assert.JSONEq(t, `{"device_code":"`+Fingerprint("dc")+`","verification_uri":"http://a.test/device",
		"verification_uri_complete":"http://a.test/device?user_code=`+Fingerprint("WDJB-MJHT")+`",
		"nested":[{"next":"https://a.test/x?state=s&code=`+Fingerprint("c")+`"}],"note":"what? no://"}`, string(got))
}

// A handler that reads the whole body at once (httpx.ReadBody) gets the
// bytes the journal captured, with its own limit still applied; after
// that the body reads as empty, and the journal counts it as read.
func TestMiddlewareHandsCapturedBodyToReadBody(t *testing.T) {
	const form = "grant_type=client_credentials&scope=a+b"
	for _, tc := range []struct {
		name    string
		limit   int64
		want    string
		wantErr error
	}{
		{"within the handler's limit", 1 << 10, form, nil},
		{"over the handler's limit", 10, "", httpx.ErrBodyTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := New(10)
			var got []byte
			var err, rest error
			h := j.Middleware(func() time.Time { return t0 }, classifyAll)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, err = httpx.ReadBody(r, tc.limit)
				var one [1]byte
				_, rest = r.Body.Read(one[:])
			}))
			req := httptest.NewRequest(http.MethodPost, "/p/token", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			h.ServeHTTP(httptest.NewRecorder(), req)
			require.ErrorIs(t, err, tc.wantErr)
			assert.Equal(t, tc.want, string(got))
			assert.Equal(t, io.EOF, rest)
			es := j.List(Filter{})
			require.Len(t, es, 1)
			assert.Equal(t, map[string][]string{"grant_type": {"client_credentials"}, "scope": {"a b"}}, es[0].Form)
		})
	}
}
