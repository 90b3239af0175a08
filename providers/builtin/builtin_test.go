package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/config"
)

func TestByDialect(t *testing.T) {
	all := All()
	byDialect := ByDialect()
	assert.Len(t, byDialect, len(all), "dialect names are unique")
	for _, f := range all {
		assert.NotEmpty(t, f.Dialect())
		assert.Equal(t, f.Dialect(), byDialect[f.Dialect()].Dialect())
	}
	assert.Contains(t, byDialect, "oidc")
}

// TestDefaultsLoad checks the embedded defaults against the real dialects:
// they must load without problems and print back to a file that loads to
// the same configuration.
func TestDefaultsLoad(t *testing.T) {
	cfg, ps := config.Load(nil, "", ByDialect())
	require.Empty(t, ps, "%v", ps)
	require.NotEmpty(t, cfg.Instances)
	printed, err := config.Effective(cfg)
	require.NoError(t, err)
	again, ps := config.Load(printed, "", ByDialect())
	require.Empty(t, ps, "printed defaults do not load:\n%v\n%s", ps, printed)
	reprinted, err := config.Effective(again)
	require.NoError(t, err)
	assert.Equal(t, string(printed), string(reprinted))
}
