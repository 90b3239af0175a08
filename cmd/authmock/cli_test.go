package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command line in-process with the given environment.
func runCmd(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	e := &env{stdout: &stdout, stderr: &stderr, lookup: func(k string) (string, bool) {
		v, ok := environ[k]
		return v, ok
	}}
	code := run(t.Context(), args, e)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// printedServer runs "config --print" and returns its server object.
func printedServer(t *testing.T, environ map[string]string, args ...string) map[string]any {
	t.Helper()
	res := runCmd(t, environ, append([]string{"config", "--print"}, args...)...)
	require.Equal(t, exitOK, res.code, res.stderr)
	var doc struct {
		Server map[string]any `json:"server"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &doc), res.stdout)
	return doc.Server
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "authmock.json", `{"server": {"addr": "127.0.0.1:1001", "log_level": "warn", "log_format": "json"}}`)
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
		want    map[string]any
	}{
		{name: "defaults", want: map[string]any{"addr": "127.0.0.1:8080", "log_level": "info", "log_format": "text"}},
		{name: "file over defaults", args: []string{"--config", file},
			want: map[string]any{"addr": "127.0.0.1:1001", "log_level": "warn", "log_format": "json"}},
		{name: "AUTHMOCK_CONFIG names the file", environ: map[string]string{"AUTHMOCK_CONFIG": file},
			want: map[string]any{"addr": "127.0.0.1:1001"}},
		{name: "--config beats AUTHMOCK_CONFIG", environ: map[string]string{"AUTHMOCK_CONFIG": "/nonexistent.json"}, args: []string{"--config", file},
			want: map[string]any{"addr": "127.0.0.1:1001"}},
		{name: "env over file", environ: map[string]string{"AUTHMOCK_ADDR": "127.0.0.1:1002", "AUTHMOCK_LOG_LEVEL": "debug"}, args: []string{"--config", file},
			want: map[string]any{"addr": "127.0.0.1:1002", "log_level": "debug", "log_format": "json"}},
		{name: "flag over env over file", environ: map[string]string{"AUTHMOCK_ADDR": "127.0.0.1:1002", "AUTHMOCK_LOG_LEVEL": "debug"},
			args: []string{"--config", file, "--addr", "127.0.0.1:1003"},
			want: map[string]any{"addr": "127.0.0.1:1003", "log_level": "debug", "log_format": "json"}},
		{name: "every flag", args: []string{"--addr", "[::1]:9", "--issuer-url", "http://auth.test", "--log-level", "error",
			"--log-format", "json", "--root", "oidc", "--tls", "--frozen-at", "2025-01-02T03:04:05Z"},
			want: map[string]any{"addr": "[::1]:9", "issuer_url": "http://auth.test", "log_level": "error", "log_format": "json", "root": "oidc",
				"tls":   map[string]any{"cert_file": "", "key_file": "", "self_signed": true, "self_signed_dir": ""},
				"clock": map[string]any{"frozen_at": "2025-01-02T03:04:05Z"}}},
		{name: "every variable", environ: map[string]string{"AUTHMOCK_ADDR": "[::1]:9", "AUTHMOCK_ISSUER_URL": "http://auth.test",
			"AUTHMOCK_LOG_LEVEL": "error", "AUTHMOCK_LOG_FORMAT": "json", "AUTHMOCK_ROOT": "oidc", "AUTHMOCK_TLS": "true",
			"AUTHMOCK_FROZEN_AT": "2025-01-02T03:04:05Z"},
			want: map[string]any{"addr": "[::1]:9", "issuer_url": "http://auth.test", "log_level": "error", "log_format": "json", "root": "oidc",
				"tls":   map[string]any{"cert_file": "", "key_file": "", "self_signed": true, "self_signed_dir": ""},
				"clock": map[string]any{"frozen_at": "2025-01-02T03:04:05Z"}}},
		{name: "--tls=false beats AUTHMOCK_TLS", environ: map[string]string{"AUTHMOCK_TLS": "true"}, args: []string{"--tls=false"},
			want: map[string]any{"tls": map[string]any{"cert_file": "", "key_file": "", "self_signed": false, "self_signed_dir": ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := printedServer(t, tc.environ, tc.args...)
			for k, v := range tc.want {
				assert.Equal(t, v, got[k], k)
			}
		})
	}
}

func TestConfigCommand(t *testing.T) {
	t.Run("print round-trips through --config", func(t *testing.T) {
		first := runCmd(t, nil, "config", "--print", "--addr", "127.0.0.1:0", "--root", "oidc")
		require.Equal(t, exitOK, first.code, first.stderr)
		file := writeFile(t, "printed.json", first.stdout)
		second := runCmd(t, nil, "config", "--print", "--config", file)
		require.Equal(t, exitOK, second.code, second.stderr)
		assert.Equal(t, first.stdout, second.stdout)
	})
	t.Run("check accepts a valid file", func(t *testing.T) {
		file := writeFile(t, "ok.json", `{"providers":[{"name":"oidc","config":{"interactive":true}}]}`)
		res := runCmd(t, nil, "config", "--check", "--config", file)
		assert.Equal(t, exitOK, res.code, res.stderr)
		assert.Equal(t, "configuration OK\n", res.stdout)
	})
	t.Run("check prints every problem, one per line", func(t *testing.T) {
		file := writeFile(t, "bad.json", `{"server":{"addr":"nope","log_level":"loud"},"providers":[{"name":"oidc","mount":"oidc"}],"extra":1}`)
		res := runCmd(t, nil, "config", "--check", "--config", file)
		assert.Equal(t, exitError, res.code)
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		require.Len(t, lines, 4, res.stderr)
		for i, path := range []string{"extra", "server.addr", "server.log_level", "providers[0].mount"} {
			assert.True(t, strings.HasPrefix(lines[i], file+": "+path+": "), lines[i])
		}
		assert.Empty(t, res.stdout)
	})
	t.Run("a flag's problem names the flag", func(t *testing.T) {
		res := runCmd(t, nil, "config", "--check", "--log-format", "xml")
		assert.Equal(t, exitError, res.code)
		assert.Contains(t, res.stderr, "configuration: server.log_format:")
		assert.Contains(t, res.stderr, "(from --log-format)")
	})
	t.Run("missing file", func(t *testing.T) {
		res := runCmd(t, nil, "config", "--check", "--config", filepath.Join(t.TempDir(), "missing.json"))
		assert.Equal(t, exitError, res.code)
		assert.Contains(t, res.stderr, "missing.json")
	})
	t.Run("needs exactly one action", func(t *testing.T) {
		assert.Equal(t, exitUsage, runCmd(t, nil, "config").code)
		assert.Equal(t, exitUsage, runCmd(t, nil, "config", "--print", "--check").code)
	})
}

// jwtPayload decodes a JWT's claims without verifying it.
func jwtPayload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(token), ".")
	require.Len(t, parts, 3, token)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	return claims
}

func TestTokenCommand(t *testing.T) {
	t.Run("client credentials token", func(t *testing.T) {
		res := runCmd(t, nil, "token", "--provider", "oidc", "--client", "demo-service", "--scope", "api:read")
		require.Equal(t, exitOK, res.code, res.stderr)
		claims := jwtPayload(t, res.stdout)
		assert.Equal(t, "http://127.0.0.1:8080/oidc", claims["iss"], "the default issuer, with nothing listening")
	})
	t.Run("user token as JSON with extra claims", func(t *testing.T) {
		res := runCmd(t, nil, "token", "--provider", "oidc", "--client", "demo-web", "--user", "alice", "--scope", "openid profile",
			"--claim", "team=blue", "--claims-json", `{"level": 3, "team": "red"}`, "--ttl", "10m", "--json",
			"--frozen-at", "2025-01-02T03:04:05Z")
		require.Equal(t, exitOK, res.code, res.stderr)
		var out struct {
			AccessToken string `json:"access_token"`
			IDToken     string `json:"id_token"`
			ExpiresIn   int64  `json:"expires_in"`
		}
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &out))
		assert.EqualValues(t, 600, out.ExpiresIn)
		assert.NotEmpty(t, out.IDToken)
		claims := jwtPayload(t, out.AccessToken)
		assert.Equal(t, "3f1c9a52-7d1e-4c1b-9a43-2f0d6b8e1a01", claims["sub"])
		assert.Equal(t, "blue", claims["team"], "--claim beats --claims-json")
		assert.EqualValues(t, 3, claims["level"])
		assert.EqualValues(t, 1735787045, claims["iat"], "the frozen clock")
	})
	t.Run("issuer follows the flags", func(t *testing.T) {
		res := runCmd(t, map[string]string{"AUTHMOCK_ISSUER_URL": "https://auth.test"}, "token", "--provider", "oidc", "--client", "demo-service", "--root", "oidc")
		require.Equal(t, exitOK, res.code, res.stderr)
		assert.Equal(t, "https://auth.test", jwtPayload(t, res.stdout)["iss"])
	})
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "client required", args: []string{"token"}, wantCode: exitUsage, wantErr: "--client is required"},
		{name: "provider required with several", args: []string{"token", "--client", "demo-web"}, wantCode: exitError, wantErr: "--provider is required (have: dotypos, fastapi, oidc, trackmania)"},
		{name: "unknown client", args: []string{"token", "--provider", "oidc", "--client", "nope"}, wantCode: exitError, wantErr: "nope"},
		{name: "unknown user", args: []string{"token", "--provider", "oidc", "--client", "demo-web", "--user", "mallory"}, wantCode: exitError, wantErr: "mallory"},
		{name: "unknown provider", args: []string{"token", "--client", "demo-web", "--provider", "nope"}, wantCode: exitError, wantErr: `no provider named "nope" (have: dotypos, fastapi, oidc, trackmania)`},
		{name: "bad claim", args: []string{"token", "--client", "demo-web", "--claim", "novalue"}, wantCode: exitUsage, wantErr: "KEY=VALUE"},
		{name: "bad claims JSON", args: []string{"token", "--client", "demo-web", "--claims-json", "[1]"}, wantCode: exitUsage, wantErr: "JSON object"},
		{name: "bad ttl", args: []string{"token", "--client", "demo-web", "--ttl", "-1m"}, wantCode: exitUsage, wantErr: "--ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCmd(t, nil, tc.args...)
			assert.Equal(t, tc.wantCode, res.code)
			assert.Contains(t, res.stderr, tc.wantErr)
			assert.Empty(t, res.stdout)
		})
	}
}

func TestMiscCommands(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "version", args: []string{"version"}, wantStdout: "authmock dev\ngo        go"},
		{name: "help", args: []string{"help"}, wantStdout: "Usage:"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: exitUsage, wantStderr: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: exitUsage, wantStderr: "flag provided but not defined: -nope"},
		{name: "stray argument", args: []string{"serve", "extra"}, wantCode: exitUsage, wantStderr: `unexpected argument "extra"`},
		{name: "flag help", args: []string{"serve", "-h"}, wantCode: exitOK, wantStderr: "AUTHMOCK_ADDR"},
		{name: "bad boolean flag", args: []string{"--tls=maybe"}, wantCode: exitUsage, wantStderr: "must be true or false"},
		{name: "invalid config stops serve", args: []string{"--log-level", "loud"}, wantCode: exitError, wantStderr: "server.log_level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCmd(t, nil, tc.args...)
			assert.Equal(t, tc.wantCode, res.code, res.stderr)
			assert.True(t, strings.HasPrefix(res.stdout, tc.wantStdout), res.stdout)
			assert.Contains(t, res.stderr, tc.wantStderr)
		})
	}
}

func newFlagSetForTest() *flag.FlagSet {
	return flag.NewFlagSet("test", flag.ContinueOnError)
}
