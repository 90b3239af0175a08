package oidc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// maxCachedKeySets bounds the parsed sets kept: clients added at runtime
// each bring their own, and a full cache simply starts over.
const maxCachedKeySets = 256

// publicKeySets reads the JWK Sets of clients (private_key_jwt) and of
// trusted issuers (token exchange, jwt-bearer): inline, or from a file
// relative to the configuration. Each set is parsed once per content
// instead of on every assertion or exchange: an inline set is keyed by its
// text, a file by its path and parsed again when its size or modification
// time changes, so editing the file still rotates keys without a restart.
// Failures are not kept: a fixed file works on the next request.
type publicKeySets struct {
	baseDir string
	mu      sync.Mutex
	sets    map[string]parsedKeySet
}

type parsedKeySet struct {
	size int64
	mod  time.Time
	keys []*jwtutil.Key
}

// load returns the keys of an inline set or, when file is set, of that
// file; neither gives no keys.
func (s *publicKeySets) load(inline json.RawMessage, file string) ([]*jwtutil.Key, error) {
	if file == "" {
		if len(inline) == 0 {
			return nil, nil
		}
		return s.parse("inline:"+string(inline), 0, time.Time{}, func() ([]byte, error) { return inline, nil })
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.baseDir, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return s.parse("file:"+path, fi.Size(), fi.ModTime(), func() ([]byte, error) { return os.ReadFile(path) })
}

func (s *publicKeySets) parse(key string, size int64, mod time.Time, read func() ([]byte, error)) ([]*jwtutil.Key, error) {
	s.mu.Lock()
	set, ok := s.sets[key]
	s.mu.Unlock()
	if ok && set.size == size && set.mod.Equal(mod) {
		return set.keys, nil
	}
	raw, err := read()
	if err != nil {
		return nil, err
	}
	keys, err := oauth.ParseClientJWKS(raw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sets == nil || len(s.sets) >= maxCachedKeySets {
		s.sets = make(map[string]parsedKeySet)
	}
	s.sets[key] = parsedKeySet{size: size, mod: mod, keys: keys}
	return keys, nil
}
