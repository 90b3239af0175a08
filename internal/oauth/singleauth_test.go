package oauth

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSingleAuthorization(t *testing.T) {
	t.Parallel()
	reached := false
	h := SingleAuthorization(slog.New(slog.DiscardHandler), RFC6749Renderer{})(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reached = true
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, tc := range []struct {
		name       string
		headers    []string
		wantStatus int
	}{
		{name: "none", wantStatus: 204},
		{name: "one", headers: []string{"Bearer a"}, wantStatus: 204},
		{name: "two", headers: []string{"Bearer a", "Bearer b"}, wantStatus: 400},
		{name: "basic and bearer", headers: []string{"Basic YTpi", "Bearer b"}, wantStatus: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reached = false
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tc.headers {
				r.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, tc.wantStatus, rec.Code)
			assert.Equal(t, tc.wantStatus == 204, reached)
			if tc.wantStatus == 400 {
				assert.JSONEq(t, `{"error":"invalid_request","error_description":"the request carries 2 Authorization headers; send one"}`, rec.Body.String())
			}
		})
	}
}

func TestExtractCredentialsTwoAuthorizationHeaders(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/token", nil)
	r.Header.Add("Authorization", "Basic ZGVtbzpzZWNyZXQ=")
	r.Header.Add("Authorization", "Basic b3RoZXI6c2VjcmV0")
	_, err := ExtractCredentials(r, url.Values{})
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.EqualError(t, err, "invalid_request: the request carries 2 Authorization headers; send one")
}
