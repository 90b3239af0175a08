package server

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store/bbolt"
	"github.com/authmock/authmock/internal/store/memory"
)

func storeConfig(t *testing.T, store string) string {
	t.Helper()
	return fmt.Sprintf(`{"defaults":false,"server":{"issuer_url":"http://auth.test","store":%q},"providers":[{"name":"x","dialect":"fake"}]}`, store)
}

func TestStoreFromConfig(t *testing.T) {
	s, err := New(loadConfig(t, storeConfig(t, "memory")), Options{})
	require.NoError(t, err)
	assert.IsType(t, &memory.Backend{}, s.backend)
	assert.Equal(t, "memory (gone when authmock stops; --store file:PATH keeps it)", s.StoreDescription())
	require.NoError(t, s.Close())

	path := filepath.Join(t.TempDir(), "authmock.db")
	s, err = New(loadConfig(t, storeConfig(t, "file:"+path)), Options{})
	require.NoError(t, err)
	require.IsType(t, &bbolt.Backend{}, s.backend)
	assert.Equal(t, path, s.backend.(*bbolt.Backend).Path())
	assert.Equal(t, "file "+path+" (kept across restarts)", s.StoreDescription())

	// A second server on the same file: a clear error, not a hang.
	_, err = New(loadConfig(t, storeConfig(t, "file:"+path)), Options{})
	require.ErrorIs(t, err, bbolt.ErrLocked)
	assert.Contains(t, err.Error(), "server.store: file store "+path)

	require.NoError(t, s.Close(), "closing releases the file")
	s, err = New(loadConfig(t, storeConfig(t, "file:"+path)), Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestUnreachableRedisIsAStartupError(t *testing.T) {
	_, err := New(loadConfig(t, storeConfig(t, "redis://:hunter2@127.0.0.1:1/0")), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "server.store: redis store redis://:xxxxx@127.0.0.1:1/0 is not reachable")
	assert.NotContains(t, err.Error(), "hunter2", "the password stays out of the message")
}
