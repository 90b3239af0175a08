package config

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEffectiveRoundTrip checks that the printed configuration, loaded
// again, prints identically: "config --print > f; --config f" reproduces
// the server.
func TestEffectiveRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		overrides []Override
	}{
		{name: "defaults"},
		{name: "complete file", file: "valid-complete.json"},
		{name: "disabled default", file: "disable-default.json"},
		{name: "null deletes", file: "delete-with-null.json"},
		{name: "with overrides", file: "no-defaults.json", overrides: flags("addr", "127.0.0.1:0", "frozen-at", "2025-01-01T00:00:00+02:00")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if tc.file != "" {
				data = readTestdata(t, tc.file)
			}
			cfg, ps := Load(data, "testdata", testFactories(), tc.overrides...)
			require.Empty(t, ps)
			first, err := Effective(cfg)
			require.NoError(t, err)
			require.True(t, json.Valid(first))

			again, ps := Load(first, "testdata", testFactories())
			require.Empty(t, ps, "printed:\n%s", first)
			second, err := Effective(again)
			require.NoError(t, err)
			assert.Equal(t, string(first), string(second))
			assert.Equal(t, cfg.Server, again.Server)
			assert.Equal(t, instanceNames(cfg), instanceNames(again))
		})
	}
}

func TestEffectiveSpellsOutDefaults(t *testing.T) {
	cfg, ps := Load(nil, "", testFactories())
	require.Empty(t, ps)
	out, err := Effective(cfg)
	require.NoError(t, err)
	var doc struct {
		Defaults  bool             `json:"defaults"`
		Server    map[string]any   `json:"server"`
		Providers []map[string]any `json:"providers"`
	}
	require.NoError(t, json.Unmarshal(out, &doc))
	assert.False(t, doc.Defaults)
	assert.Equal(t, "127.0.0.1:8080", doc.Server["addr"])
	assert.Contains(t, doc.Server, "cors_origins")
	assert.Equal(t, "auto", doc.Server["signer"])
	require.Len(t, doc.Providers, 1)
	assert.Equal(t, "/oidc", doc.Providers[0]["mount"])
	assert.Equal(t, "1h0m0s", doc.Providers[0]["config"].(map[string]any)["token_ttl"], "dialect defaults are printed")
	assert.NotContains(t, string(out), `\u0026`, "no HTML escaping")
}
