package trackmania

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, ps := parseConfig(nil)
	require.Empty(t, ps)
	assert.Equal(t, time.Hour, cfg.AccessTokenTTL.D())
	assert.Equal(t, 30*24*time.Hour, cfg.RefreshTokenTTL.D())
	assert.Equal(t, 10*time.Minute, cfg.CodeTTL.D())
	assert.Equal(t, FormatJWT, cfg.AccessTokenFormat, "league issues JWTs")
	assert.Equal(t, ReuseLeague, cfg.Reuse)
	assert.False(t, cfg.Interactive)
	assert.False(t, cfg.PKCE)
	assert.False(t, cfg.SnakeCaseUser)
	assert.True(t, cfg.RefreshTokenRotation)
}

func TestConfigProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want []fixtures.Problem
	}{
		{"unknown key", `{"scopes": ["x"]}`, []fixtures.Problem{{Path: "scopes", Message: "unknown key"}}},
		{"bad format", `{"access_token_format": "paseto"}`, []fixtures.Problem{{Path: "access_token_format", Message: `must be "opaque" or "jwt"`}}},
		{"bad reuse", `{"reuse": "forgive"}`, []fixtures.Problem{{Path: "reuse", Message: `must be "league" or "revoke_grant"`}}},
		{"short ttl", `{"access_token_ttl": "500ms"}`, []fixtures.Problem{{Path: "access_token_ttl", Message: "must be at least 1s"}}},
		{"account id not a uuid", `{"users": [{"username": "a", "subject": "a"}]}`, []fixtures.Problem{{Path: "users[0].subject", Message: "must be the accountId, a UUID such as 5b4d42f4-c2de-407d-b367-cbff3fe817bc"}}},
		{"no account id", `{"users": [{"username": "a"}]}`, []fixtures.Problem{{Path: "users[0].subject", Message: "must be the accountId, a UUID such as 5b4d42f4-c2de-407d-b367-cbff3fe817bc"}}},
		{"display name not a string", `{"users": [{"username": "a", "subject": "` + aliceID + `", "claims": {"display_name": 3}}]}`, []fixtures.Problem{{Path: "users[0].claims.display_name", Message: "must be a non-empty string"}}},
		{"duplicate display name", `{"users": [{"username": "a", "subject": "` + aliceID + `", "claims": {"display_name": "b"}}, {"username": "b", "subject": "` + bobID + `"}]}`, []fixtures.Problem{{Path: "users[1].claims.display_name", Message: `duplicate display name "b"`}}},
		{"public client", `{"clients": [{"id": "c", "public": true}]}`, []fixtures.Problem{{Path: "clients[0].public", Message: "Trackmania apps are confidential; give the client a secret"}}},
		{"unknown grant", `{"clients": [{"id": "c", "secret": "s", "grant_types": ["password"]}]}`, []fixtures.Problem{{Path: "clients[0].grant_types[0]", Message: `unsupported grant type "password" (have [authorization_code refresh_token client_credentials])`}}},
		{"unknown client scope", `{"clients": [{"id": "c", "secret": "s", "scopes": ["openid"]}]}`, []fixtures.Problem{{Path: "clients[0].scopes[0]", Message: `unknown scope "openid" (have [clubs read_favorite write_favorite])`}}},
		{"club problems", `{"clubs": [{"id": 0, "name": "", "admins": ["ghost"]}, {"id": 3, "name": "x"}, {"id": 3, "name": "y"}]}`, []fixtures.Problem{
			{Path: "clubs[0].id", Message: "must be a positive integer"},
			{Path: "clubs[0].name", Message: "must not be empty"},
			{Path: "clubs[0].admins[0]", Message: `no user named "ghost"`},
			{Path: "clubs[2].id", Message: "duplicate club id 3"},
		}},
		{"map and favourite problems", `{"users": [{"username": "a", "subject": "` + aliceID + `"}], "maps": [{"uid": "m"}, {"uid": "m"}, {"uid": ""}], "favorites": {"a": ["m", "m", "x"], "ghost": []}}`, []fixtures.Problem{
			{Path: "maps[1].uid", Message: `duplicate map uid "m"`},
			{Path: "maps[2].uid", Message: "must not be empty"},
			{Path: "favorites.a[1]", Message: `duplicate map uid "m"`},
			{Path: "favorites.a[2]", Message: `no map with uid "x" in maps`},
			{Path: "favorites.ghost", Message: `no user named "ghost"`},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, ps := parseConfig(json.RawMessage(tc.raw))
			assert.Equal(t, fixtures.Problems(tc.want), ps)
		})
	}
}

func TestIsUUID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		aliceID:                                true,
		"5B4D42F4-C2DE-407D-B367-CBFF3FE817BC": true,
		"5b4d42f4c2de407db367cbff3fe817bc":     false,
		"5b4d42f4-c2de-407d-b367-cbff3fe817b":  false,
		"5b4d42f4-c2de-407d-b367-cbff3fe817bg": false,
		"5b4d42f4+c2de-407d-b367-cbff3fe817bc": false,
		"":                                     false,
	} {
		assert.Equal(t, want, isUUID(s), s)
	}
}
