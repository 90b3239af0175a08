package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad checks, for any file, that Load does not panic and either
// reports problems or returns a config whose printed form loads again
// without problems and prints the same.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"providers":[{"name":"oidc","config":null}]}`))
	f.Add([]byte(`{"server":{"cors_origins":["*"]},"providers":[{"name":"x","dialect":"plain","mount":"/a/b"}]}`))
	factories := testFactories()
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, ps := Load(data, "testdata", factories)
		if len(ps) > 0 {
			if cfg != nil {
				t.Fatalf("both a config and problems: %v", ps)
			}
			return
		}
		first, err := Effective(cfg)
		if err != nil {
			t.Fatalf("Effective: %v", err)
		}
		again, ps := Load(first, "testdata", factories)
		if len(ps) > 0 {
			t.Fatalf("printed config does not load: %v\n%s", ps, first)
		}
		second, err := Effective(again)
		if err != nil {
			t.Fatalf("Effective again: %v", err)
		}
		if string(first) != string(second) {
			t.Fatalf("print is not stable:\n%s\n---\n%s", first, second)
		}
	})
}
