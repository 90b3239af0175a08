// Package redistest starts a throwaway redis-server for tests: on a free
// loopback port, without persistence, stopped when the test ends.
//
// A machine without redis-server skips the test with a message that says
// how to install it, unless AUTHMOCK_REQUIRE_REDIS=1 (set by .ci/run), in
// which case the test fails: CI must always exercise Redis.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/authmock/authmock/internal/clock"
)

// RequireEnv makes a missing redis-server a failure instead of a skip.
const RequireEnv = "AUTHMOCK_REQUIRE_REDIS"

// Start runs a redis-server for the test and returns its URL
// (redis://127.0.0.1:PORT/0). It is stopped in t.Cleanup.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server not found: install it (apt-get install redis-server) to run the Redis store tests"
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s (%s=1)", msg, RequireEnv)
		}
		t.Skip(msg)
	}
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--loglevel", "warning")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := waitPing(addr, 10*time.Second, exited); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			if attempt < 3 { // the port was taken in between: try another
				continue
			}
			t.Fatalf("redis-server on %s: %v", addr, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		return "redis://" + addr + "/0"
	}
}

// freePort asks the kernel for a free loopback port. redis-server cannot
// take port 0, so the port is released and handed over; Start retries if
// something else takes it in between.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// waitPing waits until the server answers PING with PONG, or exits (it
// could not bind the port, say).
func waitPing(addr string, within time.Duration, exited <-chan struct{}) error {
	const step = 20 * time.Millisecond
	var last error
	for range int(within / step) {
		if last = ping(addr); last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %w", last)
		case <-time.After(step):
		}
	}
	return fmt.Errorf("no PONG within %v: %w", within, last)
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(clock.System{}.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("answered %q", line)
	}
	return nil
}
