package httpx_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/httpx"
)

const formType = "application/x-www-form-urlencoded"

func formRequest(target, contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func TestIsMediaType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		want        bool
	}{
		{name: "exact", contentType: "application/json", want: true},
		{name: "with charset", contentType: "application/json; charset=utf-8", want: true},
		{name: "with charset, no space", contentType: "application/json;charset=UTF-8", want: true},
		{name: "upper case", contentType: "APPLICATION/JSON", want: true},
		{name: "missing", contentType: ""},
		{name: "other type", contentType: "text/plain"},
		{name: "suffix type is not the same", contentType: "application/jwt+json"},
		{name: "prefix only", contentType: "application/jso"},
		{name: "malformed parameters", contentType: "application/json; charset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := formRequest("/", tc.contentType, "")
			assert.Equal(t, tc.want, httpx.IsMediaType(r, "application/json"))
		})
	}
}

func TestReadForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		limit       int64
		want        url.Values
		wantErr     error
	}{
		{name: "plain", contentType: formType, body: "grant_type=client_credentials&scope=a+b", want: url.Values{"grant_type": {"client_credentials"}, "scope": {"a b"}}},
		{name: "charset parameter", contentType: formType + "; charset=UTF-8", body: "a=1", want: url.Values{"a": {"1"}}},
		{name: "media type case-insensitive", contentType: "Application/X-WWW-Form-URLEncoded;Charset=utf-8", body: "a=1", want: url.Values{"a": {"1"}}},
		{name: "percent-encoded unicode", contentType: formType, body: "name=%C5%BElu%C5%A5ou%C4%8Dk%C3%BD", want: url.Values{"name": {"žluťoučký"}}},
		{name: "query parameters are not mixed in", target: "/token?client_secret=q&grant_type=password", contentType: formType, body: "grant_type=client_credentials", want: url.Values{"grant_type": {"client_credentials"}}},
		{name: "empty body", contentType: formType, body: "", want: url.Values{}},
		{name: "body exactly at the limit", contentType: formType, body: "a=12345", limit: 7, want: url.Values{"a": {"12345"}}},
		{name: "duplicates are kept for RejectDuplicates", contentType: formType, body: "a=1&a=2", want: url.Values{"a": {"1", "2"}}},
		{name: "missing content type", body: "a=1", wantErr: httpx.ErrNotForm},
		{name: "JSON content type", contentType: "application/json", body: `{"a":1}`, wantErr: httpx.ErrNotForm},
		{name: "multipart content type", contentType: "multipart/form-data; boundary=x", body: "a=1", wantErr: httpx.ErrNotForm},
		{name: "malformed content type", contentType: formType + "; charset", body: "a=1", wantErr: httpx.ErrNotForm},
		{name: "bad percent escape", contentType: formType, body: "a=%zz", wantErr: httpx.ErrMalformedForm},
		{name: "semicolon separator", contentType: formType, body: "a=1;b=2", wantErr: httpx.ErrMalformedForm},
		{name: "one byte over the limit", contentType: formType, body: "a=123456", limit: 7, wantErr: httpx.ErrBodyTooLarge},
		{name: "zero limit and a body", contentType: formType, body: "a", limit: -1, wantErr: httpx.ErrBodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := tc.target
			if target == "" {
				target = "/token"
			}
			limit := tc.limit
			switch limit {
			case 0:
				limit = 1 << 10
			case -1:
				limit = 0
			}
			form, err := httpx.ReadForm(formRequest(target, tc.contentType, tc.body), limit)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, form)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, form)
		})
	}
}

// MaxBytes, the outer middleware, may be tighter than the limit a handler
// passes; either way the caller sees ErrBodyTooLarge.
func TestReadFormTooLargeViaMaxBytes(t *testing.T) {
	t.Parallel()
	var gotErr error
	h := httpx.MaxBytes(8)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, gotErr = httpx.ReadForm(r, 1<<20)
	}))
	h.ServeHTTP(httptest.NewRecorder(), formRequest("/", formType, "a=123456789"))
	require.ErrorIs(t, gotErr, httpx.ErrBodyTooLarge)

	h.ServeHTTP(httptest.NewRecorder(), formRequest("/", formType, "a=123456"))
	assert.NoError(t, gotErr, "a body exactly at the middleware's limit is fine")
}

func TestReadFormNilBody(t *testing.T) {
	t.Parallel()
	r := formRequest("/", formType, "")
	r.Body = nil
	form, err := httpx.ReadForm(r, 10)
	require.NoError(t, err)
	assert.Empty(t, form)
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestReadBodyReadError(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	r := formRequest("/", formType, "")
	r.Body = io.NopCloser(failingReader{cause})
	_, err := httpx.ReadForm(r, 10)
	require.ErrorIs(t, err, cause)
	assert.NotErrorIs(t, err, httpx.ErrBodyTooLarge)
	assert.NotErrorIs(t, err, httpx.ErrMalformedForm)
}

func TestRejectDuplicates(t *testing.T) {
	t.Parallel()
	require.NoError(t, httpx.RejectDuplicates(nil))
	require.NoError(t, httpx.RejectDuplicates(url.Values{"a": {"1"}, "b": {""}}))

	err := httpx.RejectDuplicates(url.Values{"a": {"1"}, "scope": {"x", "x"}})
	var dup *httpx.DuplicateParamError
	require.ErrorAs(t, err, &dup)
	assert.Equal(t, "scope", dup.Name)
	assert.EqualError(t, err, `parameter "scope" was sent more than once`)
}

// With several duplicated parameters the one reported must not depend on map
// iteration order, or error bodies would differ between identical requests.
func TestRejectDuplicatesIsDeterministic(t *testing.T) {
	t.Parallel()
	form := url.Values{"redirect_uri": {"1", "2"}, "code": {"1", "2"}, "state": {"1", "2"}, "scope": {"a", "b"}}
	for range 50 {
		var dup *httpx.DuplicateParamError
		require.ErrorAs(t, httpx.RejectDuplicates(form), &dup)
		require.Equal(t, "code", dup.Name)
	}
}

func TestBearerTokenAndAuthScheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		header    string
		wantToken string
		wantOK    bool
	}{
		{name: "canonical", header: "Bearer abc.def-ghi", wantToken: "abc.def-ghi", wantOK: true},
		{name: "lower-case scheme", header: "bearer abc", wantToken: "abc", wantOK: true},
		{name: "upper-case scheme", header: "BEARER abc", wantToken: "abc", wantOK: true},
		{name: "extra spaces are trimmed", header: "Bearer   abc  ", wantToken: "abc", wantOK: true},
		{name: "base64 padding kept", header: "Bearer YWJj==", wantToken: "YWJj==", wantOK: true},
		{name: "no header"},
		{name: "scheme only", header: "Bearer"},
		{name: "scheme and blanks", header: "Bearer    "},
		{name: "other scheme", header: "Basic YTpi"},
		{name: "scheme prefix is not the scheme", header: "Bearerx abc"},
		{name: "tab is not the separator", header: "Bearer\tabc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			token, ok := httpx.BearerToken(r)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantToken, token)
		})
	}
}

func TestAuthSchemeOtherSchemes(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "basic YTpi")
	creds, ok := httpx.AuthScheme(r, "Basic")
	require.True(t, ok)
	assert.Equal(t, "YTpi", creds)

	_, ok = httpx.AuthScheme(r, "User")
	assert.False(t, ok)
}

// Two Authorization headers carry no credentials: using the first would
// let whoever adds a header choose whose credentials count.
func TestAuthSchemeTwoHeaders(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Authorization", "Bearer first")
	r.Header.Add("Authorization", "Bearer second")
	token, ok := httpx.BearerToken(r)
	assert.False(t, ok)
	assert.Empty(t, token)
}

// ReadAtMost reads what io.ReadAll(io.LimitReader) reads whatever the hint
// says, right or wrong.
func TestReadAtMostMatchesReadAll(t *testing.T) {
	for _, size := range []int{0, 1, 47, 511, 512, 513, 4096, 70000} {
		body := strings.Repeat("x", size)
		for _, n := range []int64{0, 1, 48, 512, 1 << 20} {
			for _, hint := range []int64{-1, 0, int64(size), int64(size) - 1, int64(size) + 7, 1 << 30} {
				want, _ := io.ReadAll(io.LimitReader(strings.NewReader(body), n))
				got, err := httpx.ReadAtMost(iotest.OneByteReader(strings.NewReader(body)), n, hint)
				if err != nil || string(got) != string(want) {
					t.Fatalf("size %d n %d hint %d: got %d bytes, %v; want %d", size, n, hint, len(got), err, len(want))
				}
			}
		}
	}
	boom := errors.New("boom")
	got, err := httpx.ReadAtMost(io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom)), 10, 2)
	if string(got) != "ab" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v", got, err)
	}
}
