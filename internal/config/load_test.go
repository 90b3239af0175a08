package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func problemPaths(ps fixtures.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Path
	}
	return out
}

func instanceNames(cfg *Config) []string {
	var out []string
	for _, in := range cfg.Instances {
		out = append(out, in.Name+" "+in.Mount)
	}
	return out
}

func TestLoadFiles(t *testing.T) {
	tests := []struct {
		name      string
		file      string // under testdata; "" for none
		wantPaths []string
		check     func(*testing.T, *Config)
	}{
		{
			name: "no file gives the defaults",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, Defaults(), c.Server)
				assert.Equal(t, []string{"oidc /oidc"}, instanceNames(c))
				oc := c.Instances[0].Config.(*fakeOIDCConfig)
				assert.Len(t, oc.Clients, 8)
				assert.False(t, oc.Interactive)
			},
		},
		{
			name: "complete valid file",
			file: "valid-complete.json",
			check: func(t *testing.T, c *Config) {
				s := c.Server
				assert.Equal(t, "127.0.0.1:9000", s.Addr)
				assert.Equal(t, "https://auth.test:9443", s.IssuerURL, "trailing slash trimmed")
				assert.Equal(t, "debug", s.LogLevel)
				assert.Equal(t, "json", s.LogFormat)
				assert.Equal(t, "oidc", s.Root)
				assert.Equal(t, []string{"https://app.test", "http://localhost:5173"}, s.CORSOrigins)
				assert.EqualValues(t, 65536, s.MaxBodyBytes)
				assert.Equal(t, TLS{SelfSigned: true, SelfSignedDir: "certs"}, s.TLS)
				frozen, ok := s.Clock.Frozen()
				require.True(t, ok)
				assert.Equal(t, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), frozen.UTC())
				assert.Equal(t, []string{"oidc /oidc", "hello /hello", "second-oidc /tenants/two"}, instanceNames(c))

				oc := c.Instances[0].Config.(*fakeOIDCConfig)
				assert.True(t, oc.Interactive, "the override applies")
				assert.Len(t, oc.Clients, 8, "the demo clients are kept")
				assert.Equal(t, fakePlainConfig{Greeting: "bonjour"}, c.Instances[1].Config)
				second := c.Instances[2].Config.(*fakeOIDCConfig)
				assert.Empty(t, second.Clients, "a new instance starts from its dialect's defaults")
			},
		},
		{
			name: "defaults false starts from no providers",
			file: "no-defaults.json",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, []string{"only /only"}, instanceNames(c))
			},
		},
		{
			name: "disabled drops a default instance",
			file: "disable-default.json",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, []string{"hello /hello"}, instanceNames(c))
			},
		},
		{
			name: "null deletes and arrays replace",
			file: "delete-with-null.json",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, Defaults().Addr, c.Server.Addr, "null keeps the server default")
				assert.Equal(t, "warn", c.Server.LogLevel)
				assert.Equal(t, []string{"oidc /auth"}, instanceNames(c))
				oc := c.Instances[0].Config.(*fakeOIDCConfig)
				assert.Empty(t, oc.Clients, "null deleted the demo clients")
				require.Len(t, oc.Users, 1, "the users array replaced the demo users")
				assert.Equal(t, "carol", oc.Users[0].Username)
				assert.Len(t, oc.Keys, 1, "untouched keys kept")
			},
		},
		{
			name:      "invalid JSON",
			file:      "invalid-json.json",
			wantPaths: []string{""},
		},
		{
			name:      "unknown keys everywhere, each with its path",
			file:      "unknown-keys.json",
			wantPaths: []string{"sever", "server.adr", "server.tls.cert", "providers[0].mountpoint"},
		},
		{
			name: "every server problem at once",
			file: "bad-server.json",
			wantPaths: []string{
				"server.addr", "server.issuer_url", "server.log_level", "server.log_format",
				"server.cors_origins[1]", "server.cors_origins[2]", "server.max_body_bytes",
				"server.signer", "server.tls.key_file", "server.clock.frozen_at",
			},
		},
		{
			name:      "wrong JSON types",
			file:      "bad-types.json",
			wantPaths: []string{"server.addr", "server.cors_origins", "server.max_body_bytes", "defaults", "providers"},
		},
		{
			name: "every provider problem at once",
			file: "bad-providers.json",
			wantPaths: []string{
				"providers[7].name",
				"providers[8].name",
				"providers[9]",
				"providers[11].config.clients[0].secret",
				"providers[0].name",
				"providers[3].mount",
				"providers[4].mount",
				"providers[5].dialect",
				"providers[6].dialect",
				"providers[10].config.greeting",
				"providers[1].mount",
				"providers[2].mount",
				"server.root",
			},
		},
		{
			name:      "root names a disabled instance",
			file:      "root-disabled.json",
			wantPaths: []string{"server.root"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if tc.file != "" {
				data = readTestdata(t, tc.file)
			}
			cfg, ps := Load(data, "testdata", testFactories())
			if tc.wantPaths != nil {
				assert.Nil(t, cfg)
				assert.Equal(t, tc.wantPaths, problemPaths(ps), "problems:\n%v", ps)
				for _, p := range ps {
					assert.NotEmpty(t, p.Message)
				}
				return
			}
			require.Empty(t, ps, "problems:\n%v", ps)
			require.NotNil(t, cfg)
			assert.Equal(t, "testdata", cfg.BaseDir)
			tc.check(t, cfg)
		})
	}
}
