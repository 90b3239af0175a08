package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startBinary starts bin with args and returns its base URL once it prints
// the listening line.
func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	first, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	base, ok := strings.CutPrefix(strings.TrimSpace(first), "authmock listening on ")
	require.True(t, ok, first)
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, base
}

func mintRefresh(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Post(base+"/_authmock/providers/oidc/tokens", "application/json",
		strings.NewReader(`{"client_id":"demo-web","username":"alice","scopes":["openid","offline_access"]}`))
	require.NoError(t, err)
	defer res.Body.Close()
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	require.Equal(t, http.StatusCreated, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	require.NotEmpty(t, out.RefreshToken)
	return out.RefreshToken
}

// refreshGrant runs one refresh grant and returns the status and the new
// refresh token.
func refreshGrant(base, rt string) (int, string, error) {
	res, err := http.PostForm(base+"/oidc/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"client_id": {"demo-web"}, "client_secret": {"demo-web-secret"}})
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.RefreshToken, nil
}

// TestFileStoreSurvivesKill9 runs a refresh load against authmock with
// file:PATH, kills it with SIGKILL in the middle, and restarts it: the
// database opens and the refresh tokens issued before the crash still
// refresh. While the first process runs, a second one on the same file
// fails fast with a clear error.
func TestFileStoreSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "authmock")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	store := "file:" + filepath.Join(t.TempDir(), "authmock.db")

	first, base := startBinary(t, bin, "--addr", "127.0.0.1:0", "--store", store)
	kept := make([]string, 20)
	for i := range kept {
		kept[i] = mintRefresh(t, base)
	}

	second := exec.Command(bin, "--addr", "127.0.0.1:0", "--store", store)
	out, err := second.CombinedOutput() // returns: the lock wait is bounded
	require.Error(t, err, "a second process on the same file must not start")
	assert.Contains(t, string(out), "store file is in use by another process")

	// Load: 8 clients rotating their own families as fast as they can.
	var done atomic.Bool
	var rotations atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		rt := mintRefresh(t, base)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() {
				status, next, err := refreshGrant(base, rt)
				if err != nil || status != http.StatusOK {
					return // the process is gone
				}
				rt = next
				rotations.Add(1)
			}
		}()
	}
	for i := 0; rotations.Load() < 200 && i < 3000; i++ { // at most 30 s
		time.Sleep(10 * time.Millisecond)
	}
	require.GreaterOrEqual(t, rotations.Load(), int64(200), "the load ran")
	require.NoError(t, first.Process.Kill()) // SIGKILL mid-load
	_, _ = first.Process.Wait()
	done.Store(true)
	wg.Wait()

	_, base = startBinary(t, bin, "--addr", "127.0.0.1:0", "--store", store)
	for i, rt := range kept {
		status, _, err := refreshGrant(base, rt)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status, "refresh token %d issued before the crash", i)
	}
}
