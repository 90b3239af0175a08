package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/httpx"
)

func TestDropAnswersToGoneClients(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cancelAt string // "before" the handler, "after" its first write, or ""
		wantBody string
	}{
		{name: "client present", wantBody: "ab"},
		{name: "client left before the answer", cancelAt: "before", wantBody: ""},
		{name: "client left mid-answer", cancelAt: "after", wantBody: "ab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.cancelAt == "before" {
				cancel()
			}
			h := httpx.DropAnswersToGoneClients()(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte("a"))
				if tc.cancelAt == "after" {
					cancel()
				}
				_, _ = w.Write([]byte("b"))
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil))
			assert.Equal(t, tc.wantBody, rec.Body.String())
		})
	}
}
