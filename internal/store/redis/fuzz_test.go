package redis_test

import (
	"strings"
	"testing"

	"github.com/authmock/authmock/internal/store/redis"
)

// FuzzParseURL: any store URL is parsed or refused, never a panic; an
// accepted one has an address, and Redact never shows its password.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"redis://127.0.0.1:6379/0", "redis://h:1/2?prefix=a:", "rediss://u:p@h:1", "redis://h?prefix=%zz", "redis://h:1/x", "unix:///tmp/r.sock", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		opts, _, err := redis.ParseURL(raw)
		if err != nil {
			if strings.Contains(raw, ":secret-pw@") && strings.Contains(err.Error(), "secret-pw") {
				t.Fatalf("error %q shows the password", err)
			}
			return
		}
		if opts.Addr == "" {
			t.Fatalf("%q accepted without an address", raw)
		}
		if opts.Password != "" && len(opts.Password) > 3 && strings.Contains(redis.Redact(raw), ":"+opts.Password+"@") {
			t.Fatalf("Redact(%q) shows the password", raw)
		}
	})
}
