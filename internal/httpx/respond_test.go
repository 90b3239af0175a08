package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/httpx"
)

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"a": 1, "b": "<x>"})
	assert.Equal(t, http.StatusCreated, w.Code)
	assert.Equal(t, "application/json;charset=UTF-8", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"a":1,"b":"<x>"}`, w.Body.String())
}

func TestWriteJSONUnencodable(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"ch": make(chan int)})
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "internal error\n", w.Body.String())
	assert.NotContains(t, w.Header().Get("Content-Type"), "json", "no half-written JSON")
}

func TestWriteJSONBytes(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	httpx.WriteJSONBytes(w, http.StatusOK, []byte(`{"keys":[]}`))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json;charset=UTF-8", w.Header().Get("Content-Type"))
	assert.Equal(t, `{"keys":[]}`, w.Body.String(), "pre-rendered bytes are written as they are")
}

func TestNoStore(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	w.Header().Set("Cache-Control", "max-age=3600")
	httpx.NoStore(w)
	assert.Equal(t, http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}, w.Header())
}
