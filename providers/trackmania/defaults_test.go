package trackmania

import (
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
)

// TestDemoFixture checks the embedded demo instance's configuration parses
// cleanly, so a typo there fails here rather than at start-up.
func TestDemoFixture(t *testing.T) {
	t.Parallel()
	raw, err := fs.ReadFile(fixtures.FS(), "defaults/trackmania.json")
	require.NoError(t, err)
	var doc struct {
		Name, Dialect, Mount string
		Config               json.RawMessage
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Equal(t, Dialect, doc.Dialect)
	require.Equal(t, "/trackmania", doc.Mount)
	cfg, ps := parseConfig(doc.Config)
	require.Empty(t, ps)
	require.NotEmpty(t, cfg.Clients)
	require.NotEmpty(t, cfg.Maps)
}
