package journal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/authmock/authmock/internal/tokenview"
)

// rawExchange is the part of an exchange the journal keeps as it came and
// renders only when the entry is listed: the request and response bodies
// (parsed, redacted and cut then) and the JWTs to decode. Recording stays
// a few copies; the parsing is paid by whoever looks.
type rawExchange struct {
	reqBody  []byte // at most captureLimit+1 bytes
	reqType  string
	reqRead  int  // bytes the handler read
	reqEOF   bool // whether it read them all
	respBody []byte
	location string
	// reqHeader is the request's header map as net/http parsed it, kept
	// whole and redacted and cut only when listed, like the bodies: no
	// handler changes a request's headers, and nothing reuses the map
	// once the exchange is over.
	reqHeader http.Header
	// respHeaders are the response's headers worth showing, as they were
	// when the answer started (a handler may change its header map after
	// that), redacted when listed.
	respHeaders headerList
	// queryTokens are JWT-looking values of the query, found at once
	// since the query is kept redacted.
	queryTokens []seenToken
}

func (r *rawExchange) size() int {
	if r == nil {
		return 0
	}
	n := len(r.reqBody) + len(r.reqType) + len(r.respBody) + len(r.location) + sizeOfValues(r.reqHeader) + r.respHeaders.size()
	for _, t := range r.queryTokens {
		n += len(t.where) + len(t.value)
	}
	return n
}

// rendered returns e as listed: its bodies parsed and redacted, its JWTs
// decoded by the journal's inspector.
func (j *Journal) rendered(e Entry) Entry {
	raw := e.raw
	e.raw = nil
	if raw == nil {
		return e
	}
	e.Headers, e.Response.Headers = redactHeaders(raw.reqHeader), redactHeaders(raw.respHeaders.toMap())
	describeRequestBody(&e, raw.reqType, raw.reqBody, raw.reqRead, raw.reqEOF)
	var respJSON any
	if len(raw.respBody) > 0 {
		if v, ok := decodeJSON(raw.respBody); ok {
			respJSON = v
		}
	}
	// Tokens first: redaction rewrites the decoded body in place.
	if j.inspect != nil {
		e.Tokens = j.decodeTokens(e.Provider, raw.allTokens(respJSON))
	}
	if respJSON != nil {
		e.Response.JSON = RedactJSON(respJSON)
	}
	return e
}

// queryTokens are the JWT-looking values of r's query.
func queryTokens(r *http.Request) []seenToken {
	if r.URL.RawQuery == "" {
		return nil
	}
	var c tokenCollector
	walkValues("request.query.", r.URL.Query(), c.add)
	return c.list
}

// addHeaderTokens adds the JWT-looking values of h to c.
func addHeaderTokens(c *tokenCollector, h http.Header) {
	if !anyHeaderToken(h) { // most requests carry none: no sorting, no names built
		return
	}
	for _, name := range sortedKeys(h) {
		for _, v := range h[name] {
			c.add("request.header."+name, headerToken(v))
		}
	}
}

// headerToken is the part of a header value that may be a JWT: all of it,
// or what follows a scheme ("Bearer <jwt>", "User <jwt>").
func headerToken(v string) string {
	if scheme, rest, ok := strings.Cut(v, " "); ok && scheme != "" {
		return strings.TrimSpace(rest)
	}
	return v
}

func anyHeaderToken(h http.Header) bool {
	for _, vs := range h {
		for _, v := range vs {
			if tokenview.Looks(headerToken(v)) {
				return true
			}
		}
	}
	return false
}

// allTokens adds the JWTs of the bodies and the redirect to the eager ones.
func (r *rawExchange) allTokens(respJSON any) []seenToken {
	var c tokenCollector
	addHeaderTokens(&c, r.reqHeader)
	for _, t := range r.queryTokens {
		c.add(t.where, t.value)
	}
	media := mediaType(r.reqType)
	switch {
	case len(r.reqBody) > captureLimit:
	case media == "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(r.reqBody)); err == nil {
			walkValues("request.form.", form, c.add)
		}
	case isJSON(media):
		if v, ok := decodeJSON(r.reqBody); ok {
			walkJSON("request.json", v, c.add)
		}
	}
	if r.location != "" {
		if u, err := url.Parse(r.location); err == nil {
			walkValues("response.location.", u.Query(), c.add)
			if frag, err := url.ParseQuery(u.Fragment); err == nil {
				walkValues("response.location.", frag, c.add)
			}
		}
	}
	if respJSON != nil {
		walkJSON("response.json", respJSON, c.add)
	}
	return c.list
}
