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
	// The request's and response's headers, redacted and cut.
	reqHeaders, respHeaders headerList
	// tokens are JWT-looking values from the request's headers and query,
	// found at once since those are kept redacted.
	tokens []seenToken
}

func (r *rawExchange) size() int {
	if r == nil {
		return 0
	}
	n := len(r.reqBody) + len(r.reqType) + len(r.respBody) + len(r.location) + r.reqHeaders.size() + r.respHeaders.size()
	for _, t := range r.tokens {
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
	e.Headers, e.Response.Headers = raw.reqHeaders.toMap(), raw.respHeaders.toMap()
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

// eagerTokens are the JWT-looking values of r's headers and query.
func eagerTokens(r *http.Request) []seenToken {
	var c tokenCollector
	if anyHeaderToken(r.Header) { // most requests carry none: no sorting, no names built
		for _, name := range sortedKeys(r.Header) {
			for _, v := range r.Header[name] {
				c.add("request.header."+name, headerToken(v))
			}
		}
	}
	if r.URL.RawQuery != "" {
		walkValues("request.query.", r.URL.Query(), c.add)
	}
	return c.list
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
	c := tokenCollector{list: r.tokens}
	for _, t := range r.tokens {
		c.seenValue(t.value)
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
