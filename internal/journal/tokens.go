package journal

import (
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/authmock/authmock/internal/tokenview"
)

// maxTokens bounds the JWTs decoded per exchange; a token response holds
// three at most.
const maxTokens = 8

// JWT is a JWT seen in an exchange, decoded. The token itself stays
// redacted: without its signature segment the header and claims are
// something to read, not something to replay.
type JWT struct {
	// Where names the place it was found: "request.header.Authorization",
	// "request.form.refresh_token", "response.json.accessToken".
	Where string `json:"where"`
	// Fingerprint is what the journal shows in its place.
	Fingerprint string `json:"fingerprint"`
	tokenview.View
}

// Inspector decodes token for the provider instance the exchange was
// for, checking its signature against that instance's keys.
type Inspector func(provider, token string) (tokenview.View, error)

// SetInspector makes the journal keep the JWTs of each exchange it
// records and decode them when it lists the entry (Entry.Tokens). Call it
// before the middleware serves requests.
func (j *Journal) SetInspector(inspect Inspector) {
	if j != nil {
		j.inspect = inspect
	}
}

// seenTokens are the JWTs of one exchange, kept whole until the entry is
// listed: signatures are checked only when someone looks, not on every
// request, and then on the clock and keys of that moment. Entry holds them
// behind a pointer, which fmt prints as an address, so a printed entry
// shows no token.
type seenTokens struct {
	list []seenToken
}

type seenToken struct{ where, value string }

// decodeTokens returns e's JWTs decoded by the inspector.
func (j *Journal) decodeTokens(e Entry) []JWT {
	if j.inspect == nil || e.seen == nil {
		return nil
	}
	var out []JWT
	for _, t := range e.seen.list {
		v, err := j.inspect(e.Provider, t.value)
		if err != nil {
			continue // shaped like a JWT but not one: nothing to show
		}
		out = append(out, JWT{Where: t.where, Fingerprint: Fingerprint(t.value), View: v})
	}
	return out
}

// captureTokens finds the JWTs in an exchange's raw request and response,
// before redaction.
func (j *Journal) captureTokens(r *http.Request, reqBody []byte, rec *recorder) *seenTokens {
	if j.inspect == nil {
		return nil
	}
	found := &seenTokens{}
	seen := map[string]bool{}
	add := func(where, value string) {
		if len(found.list) >= maxTokens || seen[value] || !tokenview.Looks(value) {
			return
		}
		seen[value] = true
		if _, _, err := tokenview.Decode(value); err != nil {
			return
		}
		found.list = append(found.list, seenToken{where: where, value: value})
	}
	for _, name := range sortedKeys(r.Header) {
		for _, v := range r.Header[name] {
			if scheme, rest, ok := strings.Cut(v, " "); ok && scheme != "" {
				v = strings.TrimSpace(rest) // "Bearer <jwt>", "User <jwt>"
			}
			add("request.header."+name, v)
		}
	}
	walkValues("request.query.", r.URL.Query(), add)
	media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case media == "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(reqBody)); err == nil {
			walkValues("request.form.", form, add)
		}
	case isJSON(media):
		if v, ok := decodeJSON(reqBody); ok {
			walkJSON("request.json", v, add)
		}
	}
	if loc := rec.ResponseWriter.Header().Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			walkValues("response.location.", u.Query(), add)
			if frag, err := url.ParseQuery(u.Fragment); err == nil {
				walkValues("response.location.", frag, add)
			}
		}
	}
	if rec.json && rec.body.Len() <= captureLimit {
		if v, ok := decodeJSON(rec.body.Bytes()); ok {
			walkJSON("response.json", v, add)
		}
	}
	if len(found.list) == 0 {
		return nil
	}
	return found
}

func walkValues(prefix string, vs url.Values, add func(where, value string)) {
	for _, k := range sortedKeys(vs) {
		for _, v := range vs[k] {
			add(prefix+k, v)
		}
	}
}

func walkJSON(where string, v any, add func(where, value string)) {
	switch v := v.(type) {
	case string:
		add(where, v)
	case map[string]any:
		for _, k := range sortedKeys(v) {
			walkJSON(where+"."+k, v[k], add)
		}
	case []any:
		for _, e := range v {
			walkJSON(where+"[]", e, add)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
