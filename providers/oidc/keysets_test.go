package oidc

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublicKeySets(t *testing.T) {
	t.Parallel()
	first, second := newClientKey(t), newClientKey(t)
	dir := t.TempDir()
	sets := &publicKeySets{baseDir: dir}

	t.Run("an inline set is parsed once", func(t *testing.T) {
		a, err := sets.load(first.jwks, "")
		require.NoError(t, err)
		b, err := sets.load(first.jwks, "")
		require.NoError(t, err)
		require.Len(t, a, 1)
		assert.Equal(t, first.kid, a[0].KID())
		assert.Same(t, a[0], b[0], "the second use reuses the parsed key")
	})

	t.Run("a file is parsed once, and again when it changes", func(t *testing.T) {
		path := filepath.Join(dir, "keys.json")
		require.NoError(t, os.WriteFile(path, first.jwks, 0o600))
		a, err := sets.load(nil, "keys.json")
		require.NoError(t, err)
		b, err := sets.load(nil, "keys.json")
		require.NoError(t, err)
		assert.Same(t, a[0], b[0])

		require.NoError(t, os.WriteFile(path, second.jwks, 0o600))
		later := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // as if rewritten later, whatever the file system's time resolution
		require.NoError(t, os.Chtimes(path, later, later))
		c, err := sets.load(nil, "keys.json")
		require.NoError(t, err)
		assert.Equal(t, second.kid, c[0].KID(), "editing the file rotates the keys")
	})

	t.Run("failures are not kept", func(t *testing.T) {
		path := filepath.Join(dir, "late.json")
		_, err := sets.load(nil, "late.json")
		require.Error(t, err, "a missing file")
		require.NoError(t, os.WriteFile(path, []byte(`{"keys":[]}`), 0o600))
		_, err = sets.load(nil, "late.json")
		require.Error(t, err, "an empty set")
		require.NoError(t, os.WriteFile(path, first.jwks, 0o600))
		later := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
		require.NoError(t, os.Chtimes(path, later, later))
		keys, err := sets.load(nil, "late.json")
		require.NoError(t, err)
		assert.Equal(t, first.kid, keys[0].KID())
	})

	t.Run("no set, no keys", func(t *testing.T) {
		keys, err := sets.load(nil, "")
		require.NoError(t, err)
		assert.Empty(t, keys)
	})
}
