package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// bannerInfix is in the first stdout line of both authmock and the bare
// baseline: "<name> listening on http://127.0.0.1:PORT".
const bannerInfix = " listening on "

// maxBannerLines is how many stdout lines may come before the banner.
const maxBannerLines = 5

// children is every process this program started, so that all of them can
// be killed whatever way the program ends.
type children struct {
	mu    sync.Mutex
	procs []*child
}

// child is one running server process.
type child struct {
	name    string
	cmd     *exec.Cmd
	baseURL string
	stdin   io.Closer // closing it tells the bare baseline to exit
	stderr  *tailBuffer
	done    chan struct{} // closed when the process has been waited for
	once    sync.Once
}

// spawn runs bin with args. The returned channel yields the banner line
// of its standard output (else the last line read, empty if none); the
// rest is discarded so the child never blocks on a full pipe.
func (cs *children) spawn(name, bin string, args []string) (*child, <-chan string, error) {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = childProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, stderr: &tailBuffer{max: 4096}, done: make(chan struct{})}
	cmd.Stderr = c.stderr
	cs.mu.Lock()
	if err := cmd.Start(); err != nil {
		cs.mu.Unlock()
		return nil, nil, fmt.Errorf("starting %s: %w", name, err)
	}
	cs.procs = append(cs.procs, c)
	cs.mu.Unlock()

	first := make(chan string, 1)
	go func() {
		// The banner is the first line containing bannerInfix among the
		// first few (oauth2-mock-server prints its key first).
		br := bufio.NewReader(stdout)
		var line string
		for range maxBannerLines {
			l, err := br.ReadString('\n')
			line = strings.TrimSpace(l)
			if strings.Contains(line, bannerInfix) || err != nil {
				break
			}
		}
		first <- line
		_, _ = io.Copy(io.Discard, br)
	}()
	go func() {
		_ = cmd.Wait()
		close(c.done)
	}()
	return c, first, nil
}

// start spawns bin, waits at most startTimeout for its banner line and
// records the base URL it printed.
func (cs *children) start(ctx context.Context, name, bin string, args []string) (*child, error) {
	c, first, err := cs.spawn(name, bin, args)
	if err != nil {
		return nil, err
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case line := <-first:
		_, url, ok := strings.Cut(line, bannerInfix)
		if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
			if line == "" { // exited, most likely: let its stderr arrive
				select {
				case <-c.done:
				case <-time.After(time.Second):
				}
			}
			c.stop()
			return nil, fmt.Errorf("%s: unexpected first line %q; stderr: %s", name, line, c.stderr)
		}
		c.baseURL = url
		return c, nil
	case <-timer.C:
		c.stop()
		return nil, fmt.Errorf("%s printed no banner within %s; stderr: %s", name, startTimeout, c.stderr)
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

// stop ends the process: SIGTERM (and stdin closed) first, SIGKILL if it
// is still there after two seconds. It is safe to call more than once.
func (c *child) stop() {
	c.once.Do(func() {
		_ = c.stdin.Close()
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
}

// kill ends the process at once.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	c.stop()
}

func (cs *children) killAll() {
	cs.mu.Lock()
	procs := cs.procs
	cs.procs = nil
	cs.mu.Unlock()
	for _, c := range procs {
		c.kill()
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(bytes.TrimSpace(t.buf)) == 0 {
		return "(empty)"
	}
	return string(bytes.TrimSpace(t.buf))
}

// buildAuthmock builds ./cmd/authmock of this module into dir.
func buildAuthmock(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	bin := filepath.Join(dir, "authmock")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/authmock/authmock/cmd/authmock")
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/authmock: %w\n%s", err, out)
	}
	return bin, nil
}

// writeAlgConfig writes a configuration file in which the default "oidc"
// instance signs with alg's demo key; everything else stays the default.
func writeAlgConfig(dir, alg string) (string, error) {
	doc := map[string]any{
		"providers": []any{map[string]any{
			"name":   "oidc",
			"config": map[string]any{"keys": []any{map[string]any{"builtin": demoKeys[alg]}}},
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "config-"+alg+".json")
	return path, os.WriteFile(path, b, 0o600)
}

// prepare makes the run's temporary directory (the caller removes it) and
// builds authmock into it unless -authmock names a binary.
func prepare(ctx context.Context, o options, prefix string, out io.Writer) (tmp, bin string, err error) {
	if tmp, err = os.MkdirTemp("", prefix); err != nil {
		return "", "", err
	}
	bin = o.authmock
	if bin == "" {
		fmt.Fprintln(out, "building authmock ...")
		if bin, err = buildAuthmock(ctx, tmp); err != nil {
			os.RemoveAll(tmp)
			return "", "", err
		}
	}
	return tmp, bin, nil
}

// prepareHS256 is prepare with the configuration the state and stores
// modes run: the oidc instance signing with the HS256 demo key.
func prepareHS256(ctx context.Context, o options, prefix string, out io.Writer) (tmp, bin, cfg string, err error) {
	if tmp, bin, err = prepare(ctx, o, prefix, out); err != nil {
		return "", "", "", err
	}
	if cfg, err = writeAlgConfig(tmp, "HS256"); err != nil {
		os.RemoveAll(tmp)
		return "", "", "", err
	}
	return tmp, bin, cfg, nil
}

// printLoadAverage prints /proc/loadavg (Linux) with when ("before",
// "after"), so a run's figures carry how busy the machine was.
func printLoadAverage(out io.Writer, when string) {
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(out, "load average %s: %s", when, la)
	}
}

func authmockArgs(config, addr string) []string {
	args := []string{"--addr", addr, "--log-level", "warn"}
	if config != "" {
		args = append(args, "--config", config)
	}
	return args
}

// withSigner adds the RS256 signer choice, if any, to a server's args.
func withSigner(args []string, flag, signer string) []string {
	if signer == "" {
		return args
	}
	return append(slices.Clone(args), flag, signer)
}
