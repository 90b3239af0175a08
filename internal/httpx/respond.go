package httpx

import (
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// WriteJSON writes v as a JSON response with the given status. An encoding
// failure can only come from a programming error (an unsupported type), so
// it is reported as a bare 500 rather than a half-written body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	WriteJSONBytes(w, status, body)
}

// ContentTypeJSON is the Content-Type of every JSON answer authmock writes.
const ContentTypeJSON = "application/json;charset=UTF-8"

// WriteJSONBytes writes a pre-rendered JSON body.
func WriteJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = contentTypeJSONValue
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// NoStore marks a response as uncacheable, as RFC 6749 §5.1 requires for
// anything carrying tokens or credentials.
func NoStore(w http.ResponseWriter) {
	h := w.Header()
	h["Cache-Control"], h["Pragma"] = noStoreValue, noCacheValue
}

// Header values set on every answer, shared instead of allocated each
// time. Each has capacity one, so Header.Add copies rather than writes
// into it; Set replaces it; nothing writes a header value in place.
var (
	contentTypeJSONValue = []string{ContentTypeJSON}[:1:1]
	noStoreValue         = []string{"no-store"}[:1:1]
	noCacheValue         = []string{"no-cache"}[:1:1]
)

// AppendJSONString appends s as encoding/json writes a string: printable
// ASCII it writes as is is copied; anything else (escapes, HTML
// characters, other UTF-8) is left to encoding/json, so the bytes stay
// exactly its own. For hand-written encoders of bodies sent on every
// request.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !jsonPlain[s[i]] {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonPlain marks the bytes encoding/json writes as they are: printable
// ASCII but the quote, the backslash and its HTML escapes. A table, since
// every token (hundreds of bytes) goes through the check.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()
