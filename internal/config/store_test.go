package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckStore(t *testing.T) {
	for _, tc := range []struct {
		store, kind, target, msg string
	}{
		{store: "", kind: "memory"},
		{store: "memory", kind: "memory"},
		{store: "file:authmock.db", kind: "file", target: "authmock.db"},
		{store: "file:", kind: "file", msg: "file: needs a path, as in file:authmock.db"},
		{store: "redis://127.0.0.1:6379/0?prefix=a:", kind: "redis", target: "redis://127.0.0.1:6379/0?prefix=a:"},
		{store: "rediss://user:pw@cache:6380", kind: "redis", target: "rediss://user:pw@cache:6380"},
		{store: "redis://:secret@h:1/x", kind: "redis", target: "redis://:secret@h:1/x",
			msg: `"redis://:xxxxx@h:1/x": the database "x" must be a number`},
		{store: "redis://", kind: "redis", target: "redis://",
			msg: `"redis://" is not a Redis URL: it needs a host, as in redis://127.0.0.1:6379/0`},
		{store: "Memory", kind: "", target: "Memory",
			msg: `"Memory" must be memory, file:PATH or redis://HOST:PORT/DB (with an optional ?prefix=P)`},
	} {
		s := Server{Store: tc.store}
		kind, target := s.StoreKind()
		assert.Equal(t, tc.kind, kind, tc.store)
		assert.Equal(t, tc.target, target, tc.store)
		assert.Equal(t, tc.msg, checkStore(s), tc.store)
	}
}
