package dotypos

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
)

func TestParseConfigDefaults(t *testing.T) {
	cfg, ps := parseConfig(nil)
	require.Empty(t, ps)
	assert.Equal(t, time.Hour, cfg.AccessTokenTTL.D())
	assert.Equal(t, time.Duration(0), cfg.RefreshTokenTTL.D())
	assert.Equal(t, 300*time.Second, cfg.TimestampWindow.D())
	assert.Equal(t, GrantSelected, cfg.GrantClouds)
	assert.Equal(t, DenyRedirect, cfg.OnDeny)
	assert.False(t, cfg.Interactive)
	assert.Equal(t, []fixtures.KeySpec{{Builtin: "demo-rs256"}}, cfg.Keys)
}

func TestParseConfigProblems(t *testing.T) {
	raw := `{
	  "clients": [{"id": "a", "public": true, "default_user": "ghost", "access_token_ttl": "1ms"}],
	  "users": [{"username": "u"}],
	  "clouds": [{"id": 1, "name": "One"}, {"id": 0, "name": "Zero"}],
	  "user_clouds": {"u": [1, 1, 9], "ghost": [1]},
	  "access_token_ttl": "0s", "refresh_token_ttl": "10ms", "timestamp_window": "0s",
	  "grant_clouds": "some", "on_deny": "ignore"
	}`
	_, ps := parseConfig(json.RawMessage(raw))
	assert.Equal(t, fixtures.Problems{
		{Path: "clients[0].default_user", Message: `no user named "ghost"`},
		{Path: "clouds[1].id", Message: "must be a positive 32-bit integer (1 to 2147483647), not 0"},
		{Path: "clients[0].public", Message: "a Dotypos client application always has a secret"},
		{Path: "clients[0].access_token_ttl", Message: "must be at least 1s"},
		{Path: "user_clouds.ghost", Message: `no user named "ghost"`},
		{Path: "user_clouds.u[1]", Message: "cloud 1 is listed twice"},
		{Path: "user_clouds.u[2]", Message: "no cloud with id 9 in clouds"},
		{Path: "access_token_ttl", Message: "must be at least 1s"},
		{Path: "refresh_token_ttl", Message: "must be at least 1s (0 means refresh tokens never expire)"},
		{Path: "timestamp_window", Message: "must be at least 1s"},
		{Path: "grant_clouds", Message: `must be "selected" or "all", not "some"`},
		{Path: "on_deny", Message: `must be "redirect" or "page", not "ignore"`},
	}, ps)
}

func TestParseConfigStrict(t *testing.T) {
	_, ps := parseConfig(json.RawMessage(`{"clouds": [{"id": 1, "name": "x", "colour": "red"}], "interactiv": true}`))
	require.Len(t, ps, 2)
	assert.Equal(t, "clouds[0].colour", ps[0].Path)
	assert.Equal(t, "interactiv", ps[1].Path)
}

func TestFactory(t *testing.T) {
	f := Factory()
	assert.Equal(t, "dotypos", f.Dialect())
	cfg, ps := f.ParseConfig(json.RawMessage(testConfigJSON))
	require.Empty(t, ps)
	_, ok := cfg.(*Config)
	assert.True(t, ok)
	_, err := f.New(testDeps(t), "not a config")
	assert.Error(t, err)
	p, err := f.New(testDeps(t), cfg)
	require.NoError(t, err)
	assert.IsType(t, &Provider{}, p)
}
