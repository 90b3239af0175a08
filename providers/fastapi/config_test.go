package fastapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, ps := parseConfig(nil)
	require.Empty(t, ps)
	assert.Equal(t, "demo-hs256", cfg.Keys[0].Builtin)
	assert.Equal(t, time.Hour, cfg.AccessTokenTTL.D())
	assert.Equal(t, 7*24*time.Hour, cfg.RefreshTokenTTL.D())
	assert.Equal(t, FormatJWT, cfg.TokenFormat)
	assert.Equal(t, "bearer", cfg.TokenType)
	assert.False(t, cfg.RequiresVerification || cfg.RefreshRequiresAccessToken || cfg.RefreshNewestOnly || cfg.LogoutRevokes || cfg.LoginClientID)
}

func TestParseConfigDerivesIDs(t *testing.T) {
	t.Parallel()
	cfg, ps := parseConfig(json.RawMessage(`{"users":[{"username":"x@example.com","password":"p"}]}`))
	require.Empty(t, ps)
	assert.Equal(t, deriveID("x@example.com"), cfg.Users[0].Subject)
	assert.Regexp(t, `^[0-9a-f]{24}$`, cfg.Users[0].Subject)
	assert.NotEqual(t, deriveID("x@example.com"), deriveID("y@example.com"))
}

func TestParseConfigProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want []string // problem paths
	}{
		{"unknown field", `{"nope": 1}`, []string{"nope"}},
		{"token format", `{"token_format": "paseto"}`, []string{"token_format"}},
		{"token type", `{"token_type": "BEARER"}`, []string{"token_type"}},
		{"lifetimes", `{"access_token_ttl": "0s", "refresh_token_ttl": "10ms"}`, []string{"access_token_ttl", "refresh_token_ttl"}},
		{"flags must be booleans", `{"users":[{"username":"a","claims":{"is_verified":"yes","is_superuser":1}}]}`,
			[]string{"users[0].claims.is_verified", "users[0].claims.is_superuser"}},
		{"duplicate ids", `{"users":[{"username":"a","subject":"1"},{"username":"b","subject":"1"}]}`, []string{"users[1].subject"}},
		{"bad key", `{"keys":[{"builtin":"nope"}]}`, []string{"keys[0].builtin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := parseConfig(json.RawMessage(tc.raw))
			var paths []string
			for _, p := range ps {
				paths = append(paths, p.Path)
			}
			assert.ElementsMatch(t, tc.want, paths, "%v", ps)
		})
	}
	// Opaque tokens need no key, so a bad one is not checked.
	_, ps := parseConfig(json.RawMessage(`{"token_format":"opaque","keys":[]}`))
	assert.Empty(t, ps)
}

func TestFactory(t *testing.T) {
	t.Parallel()
	f := Factory()
	assert.Equal(t, "fastapi", f.Dialect())
	cfg, ps := f.ParseConfig(nil)
	require.Empty(t, ps)
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	again, ps := f.ParseConfig(b)
	require.Empty(t, ps, "the printed config reads back")
	assert.Equal(t, cfg, again)
}
