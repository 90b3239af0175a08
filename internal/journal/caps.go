package journal

import (
	"fmt"
	"net/url"
	"strings"
)

// What one entry keeps of what a client sent: enough to debug any real
// exchange, bounded so that clients sending huge headers or queries cannot
// make the journal hold their bulk (500 requests with a 1000 KiB header
// once took the process from 14 MB to 793 MB).
const (
	// maxValueBytes bounds each header value (and each query or form
	// value); a JWT of a few KiB still fits whole.
	maxValueBytes = 4 << 10
	// maxQueryBytes bounds the query string parsed into Entry.Query.
	maxQueryBytes = 8 << 10
)

// cutValue returns v, or its first maxValueBytes with a marker saying how
// many bytes were cut. A kept value is copied: it may be a substring of a
// much longer string (a query parsed from the raw query), which it would
// otherwise keep alive whole.
func cutValue(v string) string {
	if len(v) <= maxValueBytes {
		return strings.Clone(v)
	}
	return strings.ToValidUTF8(v[:maxValueBytes], "") + fmt.Sprintf("…[%d bytes cut]", len(v)-maxValueBytes)
}

// cutValues returns m with every value cut by cutValue and every name
// copied (a parsed query's names are substrings of the raw query too).
func cutValues(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for name, vs := range m {
		for i, v := range vs {
			vs[i] = cutValue(v)
		}
		out[cutValue(name)] = vs
	}
	return out
}

// cutQuery parses at most maxQueryBytes of a raw query, cut at a parameter
// boundary, and says what was cut.
func cutQuery(raw string) (url.Values, string) {
	if raw == "" {
		return nil, "" // what parsing it gives once redacted: no parameters
	}
	if len(raw) <= maxQueryBytes {
		q, _ := url.ParseQuery(raw)
		return q, ""
	}
	kept := raw[:maxQueryBytes]
	if i := strings.LastIndexByte(kept, '&'); i > 0 {
		kept = kept[:i]
	}
	q, _ := url.ParseQuery(kept)
	return q, fmt.Sprintf("the query is %d bytes; %d bytes were cut (only the parameters in the first %d are shown)", len(raw), len(raw)-len(kept), len(kept))
}

// entryOverhead is what an entry costs beyond its strings: the struct,
// its maps and the time.
const entryOverhead = 512

// sizeOf estimates the memory e holds: its strings plus a per-string and
// per-entry overhead, and decoded JSON bodies by their strings and nodes.
func sizeOf(e Entry) int {
	n := entryOverhead + len(e.Provider) + len(e.RequestID) + len(e.Method) + len(e.Path) +
		len(e.QueryNote) + len(e.BodyNote) + len(e.Fault)
	n += sizeOfValues(e.Query) + sizeOfValues(e.Headers) + sizeOfValues(e.Form) + sizeOfValues(e.Response.Headers)
	n += sizeOfJSON(e.JSON) + sizeOfJSON(e.Response.JSON) + e.raw.size()
	return n
}

func sizeOfValues(m map[string][]string) int {
	n := 0
	for k, vs := range m {
		n += 48 + len(k)
		for _, v := range vs {
			n += 16 + len(v)
		}
	}
	return n
}

func sizeOfJSON(v any) int {
	switch v := v.(type) {
	case map[string]any:
		n := 48
		for k, e := range v {
			n += 16 + len(k) + sizeOfJSON(e)
		}
		return n
	case []any:
		n := 24
		for _, e := range v {
			n += sizeOfJSON(e)
		}
		return n
	case string:
		return 16 + len(v)
	case nil:
		return 0
	}
	return 16
}
