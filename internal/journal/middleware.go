package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/authmock/authmock/internal/httpx"
)

// captureLimit bounds how much of each body is kept for the journal; the
// handler still reads the whole body. A longer request body is not shown
// at all (a cut form or JSON document cannot be parsed), only its size.
const captureLimit = 16 << 10

// responseHeaders are the response headers worth showing: the ones clients
// act on.
var responseHeaders = []string{"Content-Type", "Location", "WWW-Authenticate", "Retry-After", "ETag", "Cache-Control", "Allow"}

// Where responseHeaderIndex puts the two headers the recorder reads.
const (
	contentTypeIndex = 0
	locationIndex    = 1
)

// responseHeaderIndex is the position in responseHeaders of the header an
// http.Header keys as key (canonically), or -1.
func responseHeaderIndex(key string) int {
	switch key {
	case "Content-Type":
		return contentTypeIndex
	case "Location":
		return locationIndex
	case "Www-Authenticate":
		return 2
	case "Retry-After":
		return 3
	case "Etag":
		return 4
	case "Cache-Control":
		return 5
	case "Allow":
		return 6
	}
	return -1
}

// Classify tells the middleware which provider instance a request belongs
// to and whether to record it at all (the admin API's own calls are not).
type Classify func(r *http.Request) (provider string, record bool)

// Annotate marks the exchange being recorded as answered by a fault rule;
// w is the writer the handler was given, which wraps (through Unwrap) the
// middleware's own. It does nothing outside the middleware. The writer
// carries the note rather than the request's context, which would cost a
// copy of the request on every exchange.
func Annotate(w http.ResponseWriter, fault string) {
	for w != nil {
		if rec, ok := w.(*recorder); ok {
			rec.fault = fault
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
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
			query, queryNote := cutQuery(r.URL.RawQuery)
			e := Entry{
				Time: now(), Provider: provider, RequestID: httpx.RequestIDFrom(r.Context()),
				// Copies: net/http's Method and path are substrings of the
				// request line, which would keep a long query alive whole.
				Method: methodCopy(r.Method), Path: cutValue(r.URL.EscapedPath()),
				Query: cutValues(redactValues(query)), QueryNote: queryNote,
			}
			// One allocation for the writer and body reader the handler
			// gets and for what the entry keeps of the exchange.
			x := new(exchange)
			body, counter := x.capture(r)
			rec := &x.rec
			rec.ResponseWriter = w
			next.ServeHTTP(rec, r)
			fault := rec.fault

			e.Status = rec.status
			if e.Status == 0 && fault == "" && !httpx.ClientGone(r.Context()) {
				// net/http's implicit status. 0 says no answer was sent: a
				// fault dropped the connection, or the client left first.
				e.Status = http.StatusOK
			}
			e.Fault = fault
			e.Response.Bytes = rec.bytes
			if rec.headers == nil {
				rec.snapshotHeaders() // a handler that wrote nothing at all
			}
			// Bodies are kept as sent and parsed, redacted and searched for
			// tokens only when the entry is listed: decoding JSON on every
			// request cost more than the rest of the request.
			x.raw = rawExchange{reqBody: body, reqType: r.Header.Get("Content-Type"), respBody: rec.jsonBody(), location: rec.location,
				reqHeader: r.Header, respHeaders: rec.headers}
			e.raw = &x.raw
			if counter != nil {
				e.raw.reqRead, e.raw.reqEOF = counter.n, counter.eof
			}
			if j.inspect != nil {
				e.raw.queryTokens = queryTokens(r)
			}
			e.DurationMS = float64(time.Since(start).Microseconds()) / 1000
			// The entry outlives the exchange; net/http's writer and body
			// must not be kept with it.
			rec.ResponseWriter, x.counter.rest = nil, nil
			j.Record(e)
		})
	}
}

// methodCopy is strings.Clone(m) without the allocation for the methods
// net/http's constants spell.
func methodCopy(m string) string {
	for _, c := range [...]string{http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions,
		http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == c {
			return c
		}
	}
	return strings.Clone(m)
}

// capture reads up to captureLimit bytes of the body and puts them back in
// front of the rest, so the handler reads the body exactly as sent
// (including a MaxBytesReader's error past the server's limit). The
// counter sees everything the handler reads, so that a body too long to
// keep can be described by its size once the handler is done.
func (x *exchange) capture(r *http.Request) ([]byte, *countingReader) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	// The buffer is sized by the Content-Length.
	buf, err := httpx.ReadAtMost(r.Body, captureLimit+1, r.ContentLength)
	x.counter = countingReader{head: buf, rest: r.Body, whole: err == nil && len(buf) <= captureLimit}
	r.Body = &x.counter
	return buf, &x.counter
}

// exchange is one recorded exchange: the response writer and the body
// reader the handler gets, and what the entry keeps once it is done.
type exchange struct {
	rec     recorder
	counter countingReader
	raw     rawExchange
}

// countingReader reads the captured start of a body, then the rest of it,
// counting what the handler reads; Close closes the body.
type countingReader struct {
	head  []byte
	rest  io.ReadCloser
	n     int
	eof   bool
	whole bool // head is all of the body: the capture read it to its end
}

// TakeWhole implements httpx.WholeBody: a handler that reads the whole
// body at once gets the captured bytes rather than a copy of them.
func (c *countingReader) TakeWhole() ([]byte, bool) {
	if !c.whole || c.n > 0 {
		return nil, false
	}
	body := c.head
	c.head, c.n, c.eof = nil, len(body), true
	return body, true
}

func (c *countingReader) Read(p []byte) (n int, err error) {
	if len(c.head) > 0 {
		n = copy(p, c.head)
		c.head = c.head[n:]
	} else {
		n, err = c.rest.Read(p)
	}
	c.n += n
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

func (c *countingReader) Close() error { return c.rest.Close() }

func describeRequestBody(e *Entry, contentType string, buf []byte, read int, eof bool) {
	if len(buf) == 0 {
		return
	}
	media, _, _ := mime.ParseMediaType(contentType)
	if len(buf) > captureLimit {
		size := fmt.Sprintf("at least %d", max(read, len(buf)))
		if eof {
			size = fmt.Sprintf("%d", read)
		}
		e.BodyNote = fmt.Sprintf("%s bytes of %s, not shown: bodies over %d bytes are cut whole", size, orUnknown(media), captureLimit)
		return
	}
	body := buf
	switch {
	case media == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			e.BodyNote = "malformed form body, not shown"
			return
		}
		e.Form = cutValues(redactValues(form))
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

func mediaType(contentType string) string {
	media, _, _ := mime.ParseMediaType(contentType)
	return media
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
	status   int
	headers  headerList
	location string // as sent, for the tokens a redirect carries
	fault    string // set by Annotate
	body     bytes.Buffer
	json     bool
	bytes    int
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
	// One pass over the few headers set rather than a lookup of each
	// header worth showing. The values are kept as set, redacted when the
	// entry is listed: a handler replaces a header's values (Set) rather
	// than writing into them.
	var found [7][]string
	n := 0
	for key, values := range rec.ResponseWriter.Header() {
		if i := responseHeaderIndex(key); i >= 0 && len(values) > 0 {
			found[i] = values
			n++
		}
	}
	kept := make(headerList, 0, n)
	for i, values := range found {
		if values != nil {
			kept = append(kept, headerField{responseHeaders[i], values})
		}
	}
	rec.headers = kept
	if vs := found[locationIndex]; vs != nil {
		rec.location = vs[0]
	}
	var contentType string
	if vs := found[contentTypeIndex]; vs != nil {
		contentType = vs[0]
	}
	rec.json = isJSON(responseMediaType(contentType))
}

// responseMediaType is mime.ParseMediaType's media type, without its
// parameter map for the Content-Type httpx.WriteJSONBytes sends on
// every JSON answer.
func responseMediaType(contentType string) string {
	if contentType == httpx.ContentTypeJSON {
		return "application/json"
	}
	media, _, _ := mime.ParseMediaType(contentType)
	return media
}

// jsonBody is the JSON response body to keep, or nil.
func (rec *recorder) jsonBody() []byte {
	if rec.json && rec.body.Len() > 0 && rec.body.Len() <= captureLimit {
		return rec.body.Bytes()
	}
	return nil
}
