package fastapi

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDefaultsFile: the embedded demo instance parses under this dialect.
func TestDefaultsFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../fixtures/defaults/fastapi.json")
	require.NoError(t, err)
	var doc struct {
		Name, Dialect, Mount string
		Config               json.RawMessage
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Equal(t, Dialect, doc.Dialect)
	require.Equal(t, "/fastapi", doc.Mount)
	cfg, ps := parseConfig(doc.Config)
	require.Empty(t, ps)
	require.Len(t, cfg.Users, 4)
}
