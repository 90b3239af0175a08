package config

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzStoreSetting: any server.store is either accepted as one of the
// three kinds with what it needs, or refused with a message; never a panic.
func FuzzStoreSetting(f *testing.F) {
	for _, s := range []string{"", "memory", "file:a.db", "file:", "redis://127.0.0.1:6379/0?prefix=a:", "rediss://u:p@h:1/2", "redis://", "redis://h/x", "etcd://x", "redis://[::1]:6379/0", "redis://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, store string) {
		s := Server{Store: store}
		kind, target := s.StoreKind()
		msg := checkStore(s)
		if msg != "" {
			// A Redis URL's password never reaches the message. The fixed
			// example is left out: a password ":637" is in "127.0.0.1:6379".
			quoted := strings.NewReplacer(redisExample, "", storeKinds, "").Replace(msg)
			if u, err := url.Parse(target); kind == "redis" && err == nil && u.User != nil {
				if pw, ok := u.User.Password(); ok && len(pw) > 3 && strings.Contains(quoted, pw) && !strings.Contains(u.Redacted(), pw) {
					t.Fatalf("message %q repeats the password of %q", msg, store)
				}
			}
			return
		}
		switch kind {
		case "memory":
		case "file":
			if target == "" {
				t.Fatalf("file store %q accepted without a path", store)
			}
		case "redis":
			if !strings.HasPrefix(target, "redis://") && !strings.HasPrefix(target, "rediss://") {
				t.Fatalf("redis store %q accepted with target %q", store, target)
			}
		default:
			t.Fatalf("%q accepted as kind %q", store, kind)
		}
	})
}
