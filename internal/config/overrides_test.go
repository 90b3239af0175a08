package config

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func flags(kv ...string) []Override {
	var out []Override
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Override{Flag: kv[i], Value: kv[i+1], Origin: "--" + kv[i]})
	}
	return out
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestOverrides(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		require.NoError(t, err)
		return a
	}
	tests := []struct {
		name      string
		file      string
		env       map[string]string
		flags     []Override
		want      func(*Server)
		wantPaths []string
		wantMsg   string // substring of the first problem
	}{
		{
			name: "file alone",
			file: `{"server":{"addr":"127.0.0.1:1111","log_level":"warn"}}`,
			want: func(s *Server) { s.Addr, s.LogLevel = "127.0.0.1:1111", "warn" },
		},
		{
			name: "env beats file",
			file: `{"server":{"addr":"127.0.0.1:1111","log_level":"warn"}}`,
			env:  map[string]string{"AUTHMOCK_ADDR": "127.0.0.1:2222"},
			want: func(s *Server) { s.Addr, s.LogLevel = "127.0.0.1:2222", "warn" },
		},
		{
			name:  "flag beats env and file",
			file:  `{"server":{"addr":"127.0.0.1:1111"}}`,
			env:   map[string]string{"AUTHMOCK_ADDR": "127.0.0.1:2222", "AUTHMOCK_LOG_FORMAT": "json"},
			flags: flags("addr", "127.0.0.1:3333"),
			want:  func(s *Server) { s.Addr, s.LogFormat = "127.0.0.1:3333", "json" },
		},
		{
			name: "empty env variable is unset",
			env:  map[string]string{"AUTHMOCK_ADDR": ""},
			want: func(*Server) {},
		},
		{
			name: "every setting from the environment",
			env: map[string]string{
				"AUTHMOCK_ADDR": "0.0.0.0:9", "AUTHMOCK_ISSUER_URL": "http://auth.test/", "AUTHMOCK_LOG_LEVEL": "error",
				"AUTHMOCK_LOG_FORMAT": "json", "AUTHMOCK_ROOT": "oidc", "AUTHMOCK_TLS": "1",
				"AUTHMOCK_FROZEN_AT": "2030-01-01T00:00:00Z", "AUTHMOCK_SIGNER": "go",
			},
			want: func(s *Server) {
				s.Addr, s.IssuerURL, s.LogLevel, s.LogFormat, s.Root = "0.0.0.0:9", "http://auth.test", "error", "json", "oidc"
				s.TLS.SelfSigned = true
				s.Clock.FrozenAt = "2030-01-01T00:00:00Z"
				s.Signer = "go"
			},
		},
		{
			name:  "tls with certificate files uses the files",
			flags: flags("tls", "true", "tls-cert", "testdata/valid-complete.json", "tls-key", "testdata/no-defaults.json"),
			want: func(s *Server) {
				s.TLS.CertFile, s.TLS.KeyFile = abs("testdata/valid-complete.json"), abs("testdata/no-defaults.json")
			},
		},
		{
			name:  "tls=false turns off TLS from the file",
			file:  `{"server":{"tls":{"self_signed":true}}}`,
			flags: flags("tls", "false"),
			want:  func(*Server) {},
		},
		{
			name:      "bad flag value names the flag",
			flags:     flags("log-level", "loud"),
			wantPaths: []string{"server.log_level"},
			wantMsg:   "(from --log-level)",
		},
		{
			name:      "unknown signer names the flag",
			flags:     flags("signer", "boringssl"),
			wantPaths: []string{"server.signer"},
			wantMsg:   `"boringssl" must be auto, go or openssl (from --signer)`,
		},
		{
			name:  "signer flag beats the file",
			file:  `{"server":{"signer":"go"}}`,
			flags: flags("signer", "openssl"),
			want:  func(s *Server) { s.Signer = "openssl" },
		},
		{
			name: "store from the environment: a file path becomes absolute",
			env:  map[string]string{"AUTHMOCK_STORE": "file:state/authmock.db"},
			want: func(s *Server) { s.Store = "file:" + abs("state/authmock.db") },
		},
		{
			name:  "store flag beats the file, a Redis URL as given",
			file:  `{"server":{"store":"file:/tmp/a.db"}}`,
			flags: flags("store", "redis://127.0.0.1:6379/2?prefix=team-a:"),
			want:  func(s *Server) { s.Store = "redis://127.0.0.1:6379/2?prefix=team-a:" },
		},
		{
			name:      "unknown store names the flag",
			flags:     flags("store", "etcd://x"),
			wantPaths: []string{"server.store"},
			wantMsg:   `"etcd://x" must be memory, file:PATH or redis://HOST:PORT/DB (with an optional ?prefix=P) (from --store)`,
		},
		{
			name:      "bad env boolean names the variable",
			env:       map[string]string{"AUTHMOCK_TLS": "maybe"},
			wantPaths: []string{"server.tls.self_signed"},
			wantMsg:   "(from AUTHMOCK_TLS)",
		},
		{
			name:      "root from a flag must exist",
			flags:     flags("root", "nope"),
			wantPaths: []string{"server.root"},
			wantMsg:   "(from --root)",
		},
		{
			name:      "missing certificate file",
			flags:     flags("tls-cert", "missing.pem", "tls-key", "missing.key"),
			wantPaths: []string{"server.tls.cert_file", "server.tls.key_file"},
			wantMsg:   "(from --tls-cert)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ovs := append(EnvOverrides(envOf(tc.env)), tc.flags...)
			cfg, ps := Load([]byte(tc.file), "", testFactories(), ovs...)
			if tc.wantPaths != nil {
				assert.Equal(t, tc.wantPaths, problemPaths(ps), "%v", ps)
				require.NotEmpty(t, ps)
				assert.Contains(t, ps[0].Message, tc.wantMsg)
				return
			}
			require.Empty(t, ps, "%v", ps)
			want := Defaults()
			tc.want(&want)
			assert.Equal(t, want, cfg.Server)
		})
	}
}

func TestSettingsAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Settings() {
		assert.NotEmpty(t, s.Usage, s.Flag)
		assert.Equal(t, "AUTHMOCK_", s.Env[:9], s.Flag)
		assert.False(t, seen[s.Flag], "duplicate %s", s.Flag)
		seen[s.Flag] = true
	}
	for _, flag := range []string{"addr", "issuer-url", "log-level", "log-format", "root", "tls", "tls-cert", "tls-key", "frozen-at"} {
		assert.True(t, seen[flag], flag)
	}
}
