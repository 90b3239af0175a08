package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/server"
	"github.com/authmock/authmock/jwtutil"
)

func getStatus(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestServeInProcess runs "serve" until its context ends, as a signal
// would end it.
func TestServeInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	started := make(chan *server.Server, 1)
	e := &env{stdout: &stdout, stderr: &stderr, lookup: func(string) (string, bool) { return "", false },
		started: func(s *server.Server) { started <- s }}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log-format", "json"}, e) }()

	var srv *server.Server
	select {
	case srv = <-started:
	case code := <-done:
		t.Fatalf("serve exited with %d: %s", code, stderr.String())
	}
	assert.Equal(t, 200, getStatus(t, srv.URL()+"/_authmock/health"))
	assert.Equal(t, 200, getStatus(t, srv.ProviderURL("oidc")+"/.well-known/openid-configuration"))
	assert.True(t, strings.HasPrefix(stdout.String(), "authmock listening on "+srv.URL()+"\ndashboard "+srv.URL()+"/_authmock/ui\n"), stdout.String())

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, stderr.String(), `"msg":"shutting down"`, "JSON logs")
	assert.Contains(t, stderr.String(), `"msg":"request"`, "access log")
}

func TestBanner(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // lines that must appear, in order
	}{
		{
			name: "defaults",
			want: []string{
				"authmock listening on http://127.0.0.1:8080",
				"dashboard http://127.0.0.1:8080/_authmock/ui",
				"oidc (oidc dialect)  http://127.0.0.1:8080/oidc",
				"  endpoints",
				"    discovery    http://127.0.0.1:8080/oidc/.well-known/openid-configuration",
				"    token        http://127.0.0.1:8080/oidc/token",
				"  clients",
				"    demo-web       secret demo-web-secret  (confidential)",
				"                   redirect http://localhost:3000/callback",
				"  users",
				"    alice  password alice-password",
				"    bob    password bob-password",
				"health     http://127.0.0.1:8080/_authmock/health",
				"providers  http://127.0.0.1:8080/_authmock/providers",
				"RS256 signer: go (crypto/rsa)",
				"Ready. Press Ctrl-C to stop.",
			},
		},
		{
			name: "root instance",
			args: []string{"--root", "oidc"},
			want: []string{
				"oidc (oidc dialect)  http://127.0.0.1:8080",
				"  served at http://127.0.0.1:8080/ and at http://127.0.0.1:8080/oidc, one issuer for both",
				"    token        http://127.0.0.1:8080/token",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFlagSetForTest()
			sf := addServerFlags(fs)
			require.NoError(t, fs.Parse(tc.args))
			cfg, code := sf.load(&env{stderr: io.Discard, lookup: func(string) (string, bool) { return "", false }})
			require.Equal(t, exitOK, code)
			srv, err := server.New(cfg, server.Options{}) // port 8080 is not opened: New never listens on a fixed port
			require.NoError(t, err)
			defer srv.Close()

			var out strings.Builder
			printBanner(&out, srv, jwtutil.SignerInfo{Signer: jwtutil.SignerGo, Detail: "crypto/rsa"})
			lines := strings.Split(out.String(), "\n")
			i := 0
			for _, want := range tc.want {
				for i < len(lines) && lines[i] != want {
					i++
				}
				require.Less(t, i, len(lines), "missing or out of order: %q in\n%s", want, out.String())
			}
		})
	}
}

// TestBinary builds the command and runs it as a user would: the first
// line names the port chosen for :0, and SIGINT stops it cleanly.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "authmock")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.9.9-test", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	out, err := exec.Command(bin, "version").Output()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), "authmock v9.9.9-test\n"), string(out))

	cmd := exec.Command(bin, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	first, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(first), "authmock listening on ")
	require.True(t, ok, first)
	require.NotContains(t, url, ":0", "the real port is printed")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	assert.Equal(t, 200, getStatus(t, url+"/_authmock/health"))
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		assert.NoError(t, err, "exit status 0 after SIGINT")
	case <-time.After(15 * time.Second):
		t.Fatal("did not stop on SIGINT")
	}
}
