package journal

import (
	"net/url"
	"sort"

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

// seenToken is a JWT of an exchange, kept whole until the entry is
// listed: signatures are checked only when someone looks, not on every
// request, and then on the clock and keys of that moment.
type seenToken struct{ where, value string }

// tokenCollector gathers the distinct JWT-looking values of an exchange,
// at most maxTokens of them.
type tokenCollector struct {
	list []seenToken
	seen map[string]bool
}

func (c *tokenCollector) seenValue(v string) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[v] = true
}

func (c *tokenCollector) add(where, value string) {
	if len(c.list) >= maxTokens || c.seen[value] || !tokenview.Looks(value) {
		return
	}
	c.seenValue(value)
	c.list = append(c.list, seenToken{where: where, value: value})
}

// decodeTokens decodes an exchange's JWTs with the inspector; values shaped
// like a JWT that do not decode are left out.
func (j *Journal) decodeTokens(provider string, list []seenToken) []JWT {
	var out []JWT
	for _, t := range list {
		if _, _, err := tokenview.Decode(t.value); err != nil {
			continue // shaped like a JWT, but junk: not worth the inspector
		}
		v, err := j.inspect(provider, t.value)
		if err != nil {
			continue
		}
		out = append(out, JWT{Where: t.where, Fingerprint: Fingerprint(t.value), View: v})
	}
	return out
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
