package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/authmock/authmock/internal/httpx"
)

// captureLimit bounds how much of each body is kept for the journal; the
// handler still reads the whole body.
const captureLimit = 64 << 10

// responseHeaders are the response headers worth showing: the ones clients
// act on.
var responseHeaders = []string{"Content-Type", "Location", "WWW-Authenticate", "Retry-After", "ETag", "Cache-Control", "Allow"}

// Classify tells the middleware which provider instance a request belongs
// to and whether to record it at all (the admin API's own calls are not).
type Classify func(r *http.Request) (provider string, record bool)

type noteKey struct{}

// Annotate marks the exchange being recorded as answered by a fault rule.
// It does nothing outside the middleware.
func Annotate(ctx context.Context, fault string) {
	if n, ok := ctx.Value(noteKey{}).(*string); ok {
		*n = fault
	}
}

// Middleware records every exchange classify accepts. now is the server
// clock entries are stamped with.
func (j *Journal) Middleware(now func() time.Time, classify Classify) httpx.Middleware {
	return func(next http.Handler) http.Handler {
		if !j.Enabled() {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			provider, record := classify(r)
			if !record {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now() // wall clock: the duration is real time
			e := Entry{
				Time: now(), Provider: provider, RequestID: httpx.RequestIDFrom(r.Context()),
				Method: r.Method, Path: r.URL.EscapedPath(),
				Query: redactValues(r.URL.Query()), Headers: redactHeaders(r.Header),
			}
			body, truncated := capture(r)
			describeRequestBody(&e, r.Header.Get("Content-Type"), body, truncated)

			var fault string
			rec := &recorder{ResponseWriter: w}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, &fault)))

			e.Status = rec.status
			if e.Status == 0 && fault == "" {
				// net/http's implicit status; after a fault wrote nothing,
				// 0 says the connection was dropped.
				e.Status = http.StatusOK
			}
			e.Fault = fault
			e.Response = rec.summary()
			e.seen = j.captureTokens(r, body, rec)
			e.DurationMS = float64(time.Since(start).Microseconds()) / 1000
			j.Record(e)
		})
	}
}

// capture reads up to captureLimit bytes of the body and puts them back in
// front of the rest, so the handler reads the body exactly as sent
// (including a MaxBytesReader's error past the server's limit).
func capture(r *http.Request) (body []byte, truncated bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false
	}
	buf, _ := io.ReadAll(io.LimitReader(r.Body, captureLimit+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	if len(buf) > captureLimit {
		return buf[:captureLimit], true
	}
	return buf, false
}

func describeRequestBody(e *Entry, contentType string, body []byte, truncated bool) {
	if len(body) == 0 {
		return
	}
	media, _, _ := mime.ParseMediaType(contentType)
	switch {
	case truncated:
		e.BodyNote = fmt.Sprintf("more than %d bytes of %s, not shown", captureLimit, orUnknown(media))
	case media == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			e.BodyNote = "malformed form body, not shown"
			return
		}
		e.Form = redactValues(form)
	case isJSON(media):
		v, ok := decodeJSON(body)
		if !ok {
			e.BodyNote = fmt.Sprintf("%d bytes of %s that are not valid JSON, not shown", len(body), media)
			return
		}
		e.JSON = RedactJSON(v)
	default:
		e.BodyNote = fmt.Sprintf("%d bytes of %s, not shown", len(body), orUnknown(media))
	}
}

func orUnknown(media string) string {
	if media == "" {
		return "unlabelled content"
	}
	return media
}

func isJSON(media string) bool {
	return media == "application/json" || len(media) > 5 && media[len(media)-5:] == "+json"
}

func decodeJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // show numbers as sent (a 9-digit cloud id stays exact)
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// recorder keeps the status, the interesting headers and the start of a
// JSON body.
type recorder struct {
	http.ResponseWriter
	status  int
	headers map[string][]string
	body    bytes.Buffer
	json    bool
	bytes   int
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
		rec.snapshotHeaders()
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
		rec.snapshotHeaders()
	}
	if rec.json && rec.body.Len() <= captureLimit {
		rec.body.Write(b)
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes, and
// the hijack a dropped-connection fault needs).
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func (rec *recorder) snapshotHeaders() {
	h := rec.ResponseWriter.Header()
	kept := http.Header{}
	for _, name := range responseHeaders {
		if vs := h.Values(name); len(vs) > 0 {
			kept[name] = vs
		}
	}
	rec.headers = redactHeaders(kept)
	media, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	rec.json = isJSON(media)
}

func (rec *recorder) summary() Response {
	if rec.headers == nil {
		rec.snapshotHeaders() // a handler that wrote nothing at all
	}
	s := Response{Headers: rec.headers, Bytes: rec.bytes}
	if rec.json && rec.body.Len() > 0 && rec.body.Len() <= captureLimit {
		if v, ok := decodeJSON(rec.body.Bytes()); ok {
			s.JSON = RedactJSON(v)
		}
	}
	return s
}
