package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/server"
	"github.com/authmock/authmock/jwtutil"
)

// serveOnce runs "serve" with args until it has started (then stops it)
// or until it exits on its own, and returns what it printed.
func serveOnce(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	started := make(chan *server.Server, 1)
	e := &env{stdout: &stdout, stderr: &stderr, started: func(s *server.Server) { started <- s },
		lookup: func(k string) (string, bool) { v, ok := environ[k]; return v, ok }}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), e) }()
	var code int
	select {
	case <-started:
		cancel()
		code = <-done
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve neither started nor exited")
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// TestServeSigner: the banner names the RS256 signer in use, an explicit
// openssl that cannot load stops start-up with the reason, and auto's
// fallback is one notice. Which branch runs depends on the build: CI runs
// this package with cgo (OpenSSL loads) and with CGO_ENABLED=0 (it cannot).
func TestServeSigner(t *testing.T) {
	t.Cleanup(func() { _, _ = jwtutil.SelectSigner(jwtutil.SignerGo) })

	res := serveOnce(t, nil, "--signer", "go")
	require.Equal(t, exitOK, res.code, res.stderr)
	assert.Contains(t, res.stdout, "\nRS256 signer: go (crypto/rsa)\nReady.")
	assert.NotContains(t, res.stderr, "OpenSSL is unavailable")

	openssl, opensslErr := jwtutil.ProbeSigner(jwtutil.SignerOpenSSL)
	res = serveOnce(t, map[string]string{"AUTHMOCK_SIGNER": "openssl"})
	if opensslErr != nil {
		assert.Equal(t, exitError, res.code)
		assert.Equal(t, `authmock: server.signer "openssl": `+opensslErr.Error()+"\n", res.stderr)
		assert.Empty(t, res.stdout)
	} else {
		require.Equal(t, exitOK, res.code, res.stderr)
		assert.Contains(t, res.stdout, "\nRS256 signer: "+openssl.String()+"\nReady.")
		assert.True(t, strings.HasPrefix(openssl.Detail, "OpenSSL 3."), openssl.Detail)
	}

	auto, err := jwtutil.ProbeSigner(jwtutil.SignerAuto)
	require.NoError(t, err)
	res = serveOnce(t, nil)
	require.Equal(t, exitOK, res.code, res.stderr)
	notice := `msg="RS256 signs with crypto/rsa: OpenSSL is unavailable" reason="`
	if auto.Fallback != nil {
		assert.Contains(t, res.stdout, "\nRS256 signer: go (crypto/rsa; OpenSSL unavailable: "+auto.Fallback.Error()+")\nReady.")
		assert.Equal(t, jwtutil.SignerGo, auto.Signer)
		assert.Equal(t, 1, strings.Count(res.stderr, notice), res.stderr)
	} else {
		assert.Contains(t, res.stdout, "\nRS256 signer: "+auto.String()+"\nReady.")
		assert.Equal(t, jwtutil.SignerOpenSSL, auto.Signer, "auto uses OpenSSL when it loads")
		assert.NotContains(t, res.stderr, notice)
	}
}

func TestVersionSigner(t *testing.T) {
	res := runCmd(t, map[string]string{"AUTHMOCK_SIGNER": "go"}, "version")
	require.Equal(t, exitOK, res.code)
	assert.Contains(t, res.stdout, "\nsigner    go (crypto/rsa)\n")

	auto, err := jwtutil.ProbeSigner(jwtutil.SignerAuto)
	require.NoError(t, err)
	res = runCmd(t, nil, "version")
	require.Equal(t, exitOK, res.code)
	if auto.Fallback != nil {
		assert.Contains(t, res.stdout, "\nsigner    go (crypto/rsa; OpenSSL unavailable: "+auto.Fallback.Error()+")\n")
	} else {
		assert.Contains(t, res.stdout, "\nsigner    "+auto.String()+"\n")
	}
	assert.Equal(t, jwtutil.SignerGo, jwtutil.SelectedSigner(), "version selects nothing")
}
