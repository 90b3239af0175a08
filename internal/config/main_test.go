package config

import (
	"io/fs"
	"os"
	"testing"

	"github.com/authmock/authmock/fixtures"
)

// TestMain pins the defaults to the embedded oidc instance alone: these
// tests exercise loading, merging and printing with fake factories, and
// must not change each time a dialect adds its demo instance (the real
// defaults are checked against the real dialects in providers/builtin).
func TestMain(m *testing.M) {
	oidc, err := fs.ReadFile(fixtures.FS(), fixtures.DefaultsDir+"/oidc.json")
	if err != nil {
		panic(err)
	}
	doc := append(append([]byte(`{"providers":[`), oidc...), "]}"...)
	embeddedDefaults = func() []byte { return doc }
	os.Exit(m.Run())
}
