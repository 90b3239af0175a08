package validate_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/validate"
)

// testConfig exercises every kind walk knows, nested the way a real
// configuration file is.
type testConfig struct {
	Listen    string            `json:"listen,omitempty"`
	Debug     bool              `json:"debug,omitempty"`
	Port      uint16            `json:"port,omitempty"`
	Workers   int8              `json:"workers,omitempty"`
	Count     int               `json:"count,omitempty"`
	Ratio     float64           `json:"ratio,omitempty"`
	Timeout   fixtures.Duration `json:"timeout,omitempty"`
	Providers []testProvider    `json:"providers,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Limits    map[string]int    `json:"limits,omitempty"`
	Pair      [2]int            `json:"pair,omitzero"`
	Raw       json.RawMessage   `json:"raw,omitempty"`
	Anything  any               `json:"anything,omitempty"`
	Ptr       *testInner        `json:"ptr,omitempty"`
	Internal  string            `json:"-"`
	Dash      string            `json:"-,omitempty"`
	Untagged  string            `json:",omitempty"`
	hidden    string
	Embedded
	*EmbeddedPtr
}

type testInner struct {
	Value int `json:"value"`
}

// Embedded fields are promoted, as encoding/json does.
type Embedded struct {
	Promoted string `json:"promoted,omitempty"`
	// Listen is shadowed by testConfig.Listen.
	Listen int `json:"listen,omitempty"`
}

type EmbeddedPtr struct {
	PtrPromoted string `json:"ptr_promoted,omitempty"`
}

type testProvider struct {
	Name   string             `json:"name"`
	Config testProviderConfig `json:"config"`
}

type testProviderConfig struct {
	Clients []fixtures.Client `json:"clients,omitempty"`
	Users   []fixtures.User   `json:"users,omitempty"`
}

func TestDecodeValid(t *testing.T) {
	t.Parallel()
	doc := `{
		"listen": "127.0.0.1:8080",
		"debug": true,
		"port": 65535,
		"workers": -128,
		"count": -9007199254740992,
		"ratio": 0.5,
		"timeout": "90s",
		"providers": [{
			"name": "oidc",
			"config": {
				"clients": [{"id": "web", "secret": "s", "redirect_uris": ["https://a.example/cb"], "access_token_ttl": 600}],
				"users": [{"username": "alice", "claims": {"groups": ["a"], "address": {"country": "CZ"}}}]
			}
		}],
		"labels": {"team": "auth"},
		"limits": {"rps": 10},
		"pair": [1, 2],
		"raw": {"anything": [1, "two", null]},
		"anything": [true, {"x": 1}],
		"ptr": {"value": 7},
		"-": "dash",
		"Untagged": "u",
		"promoted": "p",
		"ptr_promoted": "pp"
	}`
	var got testConfig
	require.Empty(t, validate.Decode([]byte(doc), &got, ""))
	want := testConfig{
		Listen: "127.0.0.1:8080", Debug: true, Port: 65535, Workers: -128, Count: -9007199254740992, Ratio: 0.5,
		Timeout: fixtures.Duration(90 * time.Second),
		Providers: []testProvider{{Name: "oidc", Config: testProviderConfig{
			Clients: []fixtures.Client{{ID: "web", Secret: "s", RedirectURIs: []string{"https://a.example/cb"}, AccessTokenTTL: fixtures.Duration(10 * time.Minute)}},
			Users:   []fixtures.User{{Username: "alice", Claims: map[string]any{"groups": []any{"a"}, "address": map[string]any{"country": "CZ"}}}},
		}}},
		Labels: map[string]string{"team": "auth"}, Limits: map[string]int{"rps": 10}, Pair: [2]int{1, 2},
		Raw:      json.RawMessage(`{"anything": [1, "two", null]}`),
		Anything: []any{true, map[string]any{"x": float64(1)}},
		Ptr:      &testInner{Value: 7}, Dash: "dash", Untagged: "u",
		Embedded:    Embedded{Promoted: "p"},
		EmbeddedPtr: &EmbeddedPtr{PtrPromoted: "pp"},
	}
	assert.Equal(t, want, got)
}

func TestDecodeProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		base string
		want fixtures.Problems
	}{
		{
			name: "unknown key with a suggestion",
			doc:  `{"providers":[{"name":"a","config":{"clients":[{"id":"x","secert":"y"}]}}]}`,
			want: fixtures.Problems{{Path: "providers[0].config.clients[0].secert", Message: `unknown key (did you mean "secret"?)`}},
		},
		{
			name: "unknown key, case differs",
			doc:  `{"Listen":"x"}`,
			want: fixtures.Problems{{Path: "Listen", Message: `unknown key (did you mean "listen"?)`}},
		},
		{
			name: "unknown key with nothing close",
			doc:  `{"completely_different":1}`,
			want: fixtures.Problems{{Path: "completely_different", Message: "unknown key"}},
		},
		{
			name: `json:"-" field is not a key`,
			doc:  `{"Internal":"x"}`,
			want: fixtures.Problems{{Path: "Internal", Message: "unknown key"}},
		},
		{
			name: "unexported field is not a key",
			doc:  `{"hidden":"x"}`,
			want: fixtures.Problems{{Path: "hidden", Message: "unknown key"}},
		},
		{
			name: "every problem at once, with exact paths, in key order",
			doc: `{
				"providers": [
					{"name": 7, "config": {}},
					{"name": "b", "config": {"clients": [{"id": "web", "redirect_uris": "https://a.example/cb", "access_token_ttl": "soon", "scope": ["x"]}], "users": {}}}
				],
				"debug": "yes",
				"zzz": 1
			}`,
			want: fixtures.Problems{
				{Path: "debug", Message: "must be true or false, not a string"},
				{Path: "providers[0].name", Message: "must be a string, not a number"},
				{Path: "providers[1].config.clients[0].access_token_ttl", Message: `invalid duration "soon" (want e.g. "1h", "90s" or a number of seconds)`},
				{Path: "providers[1].config.clients[0].redirect_uris", Message: "must be an array, not a string"},
				{Path: "providers[1].config.clients[0].scope", Message: `unknown key (did you mean "scopes"?)`},
				{Path: "providers[1].config.users", Message: "must be an array, not an object"},
				{Path: "zzz", Message: "unknown key"},
			},
		},
		{
			name: "paths start at base",
			doc:  `{"providers":[{"name":"a","config":{"clients":[{"id":1}]}}]}`,
			base: "files[2]",
			want: fixtures.Problems{{Path: "files[2].providers[0].config.clients[0].id", Message: "must be a string, not a number"}},
		},
		{
			name: "top level of the wrong kind",
			doc:  `[1, 2]`,
			want: fixtures.Problems{{Path: "", Message: "must be an object, not an array"}},
		},
		{
			name: "top level of the wrong kind, under a base",
			doc:  `"x"`,
			base: "server",
			want: fixtures.Problems{{Path: "server", Message: "must be an object, not a string"}},
		},
		{
			name: "wrong JSON kinds",
			doc:  `{"anything": 1, "count": "1", "labels": [], "listen": false, "pair": {}, "ptr": [], "ratio": "0.5", "raw": 1}`,
			want: fixtures.Problems{
				{Path: "count", Message: "must be an integer, not a string"},
				{Path: "labels", Message: "must be an object, not an array"},
				{Path: "listen", Message: "must be a string, not a boolean"},
				{Path: "pair", Message: "must be an array, not an object"},
				{Path: "ptr", Message: "must be an object, not an array"},
				{Path: "ratio", Message: "must be a number, not a string"},
			},
		},
		{
			name: "map values are checked, in key order",
			doc:  `{"limits": {"rps": "ten", "burst": 1.5, "conn": 3}, "labels": {"b": 1, "a": null}}`,
			want: fixtures.Problems{
				{Path: "labels.b", Message: "must be a string, not a number"},
				{Path: "limits.burst", Message: "must be an integer in range, not 1.5"},
				{Path: "limits.rps", Message: "must be an integer, not a string"},
			},
		},
		{
			name: "integers out of range",
			doc:  `{"port": 65536, "workers": 128, "count": 9223372036854775808}`,
			want: fixtures.Problems{
				{Path: "count", Message: "must be an integer in range, not 9223372036854775808"},
				{Path: "port", Message: "must be an integer in range, not 65536"},
				{Path: "workers", Message: "must be an integer in range, not 128"},
			},
		},
		{
			name: "float out of range",
			doc:  `{"ratio": 1e400}`,
			want: fixtures.Problems{{Path: "ratio", Message: "must be a number in range, not 1e400"}},
		},
		{
			name: "negative for an unsigned integer",
			doc:  `{"port": -1}`,
			want: fixtures.Problems{{Path: "port", Message: "must be an integer in range, not -1"}},
		},
		{
			name: "fractional integer",
			doc:  `{"count": 1.5}`,
			want: fixtures.Problems{{Path: "count", Message: "must be an integer in range, not 1.5"}},
		},
		{
			name: "integer written with a fraction or exponent",
			doc:  `{"count": 1.0, "workers": 1e2}`,
			want: fixtures.Problems{
				{Path: "count", Message: "must be an integer in range, not 1.0"},
				{Path: "workers", Message: "must be an integer in range, not 1e2"},
			},
		},
		{
			name: "array elements and fixed arrays",
			doc:  `{"pair": [1, "2"], "providers": [{"name": "a", "config": {"clients": [{"id": "x", "redirect_uris": ["ok", 2]}]}}]}`,
			want: fixtures.Problems{
				{Path: "pair[1]", Message: "must be an integer, not a string"},
				{Path: "providers[0].config.clients[0].redirect_uris[1]", Message: "must be a string, not a number"},
			},
		},
		{
			name: "Duration errors at their path",
			doc:  `{"timeout": -5, "providers": [{"name": "a", "config": {"clients": [{"id": "x", "refresh_token_ttl": true, "id_token_ttl": "-1h"}]}}]}`,
			want: fixtures.Problems{
				{Path: "providers[0].config.clients[0].id_token_ttl", Message: `duration "-1h" is negative`},
				{Path: "providers[0].config.clients[0].refresh_token_ttl", Message: `duration must be a string such as "1h" or a number of seconds`},
				{Path: "timeout", Message: "duration -5 seconds is out of range"},
			},
		},
		{
			name: "syntax error names the line",
			doc:  "{\n  \"listen\": \"x\",\n  \"debug\": tru\n}",
			want: fixtures.Problems{{Path: "", Message: "invalid JSON: invalid character '\\n' in literal true (expecting 'e') (line 3)"}},
		},
		{
			name: "syntax error line counts leading blank lines",
			doc:  "\n\n{\n  \"listen\": \"x\" \"debug\": true\n}",
			base: "server",
			want: fixtures.Problems{{Path: "server", Message: "invalid JSON: invalid character '\"' after object key:value pair (line 4)"}},
		},
		{
			name: "truncated document",
			doc:  `{"listen": "x"`,
			want: fixtures.Problems{{Path: "", Message: "invalid JSON: unexpected EOF"}},
		},
		{
			name: "trailing value",
			doc:  `{"listen": "x"} {"debug": true}`,
			want: fixtures.Problems{{Path: "", Message: "invalid JSON: unexpected data after the top-level value"}},
		},
		{
			name: "trailing closing brace",
			doc:  `{"listen": "x"}}`,
			want: fixtures.Problems{{Path: "", Message: "invalid JSON: unexpected data after the top-level value"}},
		},
		{
			name: "trailing closing bracket",
			doc:  "{}\n]\n",
			want: fixtures.Problems{{Path: "", Message: "invalid JSON: unexpected data after the top-level value"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := testConfig{Listen: "before", Count: 42}
			got := validate.Decode([]byte(tc.doc), &v, tc.base)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, testConfig{Listen: "before", Count: 42}, v, "v must be untouched when there are problems")
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want testConfig
	}{
		{name: "empty document keeps v", doc: "", want: testConfig{Listen: "before"}},
		{name: "blank document keeps v", doc: " \n\t ", want: testConfig{Listen: "before"}},
		{name: "null document keeps v", doc: " null\n", want: testConfig{Listen: "before"}},
		{name: "empty object keeps v", doc: "{}", want: testConfig{Listen: "before"}},
		{name: "null members keep their values", doc: `{"listen": null, "providers": null, "ptr": null, "timeout": null, "labels": {"a": null}}`, want: testConfig{Listen: "before", Labels: map[string]string{"a": ""}}},
		{name: "null elements", doc: `{"providers": [null]}`, want: testConfig{Listen: "before", Providers: []testProvider{{}}}},
		{name: "seconds for a Duration", doc: `{"timeout": 1.5}`, want: testConfig{Listen: "before", Timeout: fixtures.Duration(1500 * time.Millisecond)}},
		{name: "outer field shadows a promoted one", doc: `{"listen": "x"}`, want: testConfig{Listen: "x"}},
		{name: "integer limits", doc: `{"port": 0, "workers": 127, "count": -1}`, want: testConfig{Listen: "before", Count: -1, Workers: 127}},
		{name: "integers beyond float64 precision are exact", doc: `{"count": 9223372036854775807}`, want: testConfig{Listen: "before", Count: 9223372036854775807}},
		{name: "negative zero is zero", doc: `{"count": -0}`, want: testConfig{Listen: "before"}},
		{name: "exponent for a float", doc: `{"ratio": 1e-3}`, want: testConfig{Listen: "before", Ratio: 0.001}},
		{name: "surrounding whitespace", doc: "\n\n  {\"debug\": true}  \n\n", want: testConfig{Listen: "before", Debug: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := testConfig{Listen: "before"}
			require.Empty(t, validate.Decode([]byte(tc.doc), &v, "x"))
			assert.Equal(t, tc.want, v)
		})
	}
}

func TestDecodeIntoNonStructTargets(t *testing.T) {
	t.Parallel()
	var m map[string][]int
	require.Empty(t, validate.Decode([]byte(`{"a":[1,2],"b":[]}`), &m, ""))
	assert.Equal(t, map[string][]int{"a": {1, 2}, "b": {}}, m)

	var list []fixtures.Client
	ps := validate.Decode([]byte(`[{"id":"a"},{"id":"b","public":"yes"}]`), &list, "clients")
	assert.Equal(t, fixtures.Problems{{Path: "clients[1].public", Message: "must be true or false, not a string"}}, ps)
	assert.Nil(t, list)

	var raw json.RawMessage
	require.Empty(t, validate.Decode([]byte(` {"x": [1]} `), &raw, ""))
	assert.JSONEq(t, `{"x":[1]}`, string(raw))
}

// Decoding over defaults must replace slices and maps the document sets,
// not merge into them (encoding/json reuses existing slice elements).
func TestDecodeReplacesDefaultCollections(t *testing.T) {
	type key struct {
		Builtin string `json:"builtin,omitempty"`
		File    string `json:"file,omitempty"`
	}
	type inner struct {
		Tags map[string]string `json:"tags"`
	}
	type cfg struct {
		Keys   []key             `json:"keys"`
		Labels map[string]string `json:"labels"`
		Inner  inner             `json:"inner"`
		Kept   []key             `json:"kept"`
	}
	v := cfg{
		Keys:   []key{{Builtin: "demo"}},
		Labels: map[string]string{"a": "1"},
		Inner:  inner{Tags: map[string]string{"x": "y"}},
		Kept:   []key{{Builtin: "stays"}},
	}
	ps := validate.Decode([]byte(`{"keys":[{"file":"k.pem"}],"labels":{"b":"2"},"inner":{"tags":{"z":"w"}}}`), &v, "")
	require.Empty(t, ps)
	assert.Equal(t, []key{{File: "k.pem"}}, v.Keys)
	assert.Equal(t, map[string]string{"b": "2"}, v.Labels)
	assert.Equal(t, map[string]string{"z": "w"}, v.Inner.Tags)
	assert.Equal(t, []key{{Builtin: "stays"}}, v.Kept, "absent keys keep their defaults")
}
