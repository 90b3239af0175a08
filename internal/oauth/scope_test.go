package oauth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
)

func TestParseScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "empty", in: "", want: nil},
		{name: "only spaces", in: "   ", want: nil},
		{name: "one", in: "openid", want: []string{"openid"}},
		{name: "several in order", in: "openid profile email", want: []string{"openid", "profile", "email"}},
		{name: "extra spaces", in: "  openid   profile ", want: []string{"openid", "profile"}},
		{name: "duplicates dropped, first kept", in: "b a b a c", want: []string{"b", "a", "c"}},
		{name: "case matters", in: "Read read", want: []string{"Read", "read"}},
		{name: "tab is not a separator", in: "a\tb", want: []string{"a\tb"}},
		{name: "URL-like scopes", in: "https://api.example/read api:write", want: []string{"https://api.example/read", "api:write"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, oauth.ParseScope(tc.in))
		})
	}
}

func TestFormatScope(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "openid profile", oauth.FormatScope([]string{"openid", "profile"}))
	assert.Empty(t, oauth.FormatScope(nil))
	assert.Equal(t, []string{"b", "a"}, oauth.ParseScope(oauth.FormatScope([]string{"b", "a"})))
}

func TestValidScopeToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{name: "word", token: "openid", want: true},
		{name: "lowest allowed, !", token: "!", want: true},
		{name: "#", token: "#", want: true},
		{name: "[ just below backslash", token: "[", want: true},
		{name: "] just above backslash", token: "]", want: true},
		{name: "highest allowed, ~", token: "~", want: true},
		{name: "URL", token: "https://api.example/read?x=1&y=%20", want: true},
		{name: "empty", token: ""},
		{name: "space", token: "a b"},
		{name: "double quote", token: `a"b`},
		{name: "backslash", token: `a\b`},
		{name: "DEL", token: "a\x7f"},
		{name: "control", token: "a\x1f"},
		{name: "tab", token: "a\tb"},
		{name: "NUL", token: "a\x00"},
		{name: "non-ASCII", token: "čtení"},
		{name: "non-ASCII byte only", token: "\x80"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, oauth.ValidScopeToken(tc.token))
		})
	}
}

func TestCheckScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		requested []string
		allowed   []string
		wantDesc  string
	}{
		{name: "nothing requested", allowed: []string{"a"}},
		{name: "all allowed", requested: []string{"api:read", "api:write"}, allowed: []string{"api:write", "api:read", "x"}},
		{name: "no allow-list accepts any well-formed", requested: []string{"anything", "at:all"}},
		{name: "one not allowed", requested: []string{"api:read", "admin"}, allowed: []string{"api:read"}, wantDesc: `scope "admin" is not allowed for this client`},
		{name: "malformed with no allow-list", requested: []string{`a"b`}, wantDesc: `scope "a\"b" contains characters RFC 6749 §3.3 does not allow`},
		{name: "malformed reported before allow-list", requested: []string{"ok", `a\b`}, allowed: []string{"ok"}, wantDesc: `scope "a\\b" contains characters RFC 6749 §3.3 does not allow`},
		{name: "first bad scope wins", requested: []string{"x", "y"}, allowed: []string{"a"}, wantDesc: `scope "x" is not allowed for this client`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := oauth.CheckScopes(tc.requested, tc.allowed)
			if tc.wantDesc != "" {
				requireOAuthError(t, err, oauth.CodeInvalidScope, tc.wantDesc)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestNarrow(t *testing.T) {
	t.Parallel()
	granted := []string{"openid", "profile", "offline_access"}
	tests := []struct {
		name      string
		requested []string
		want      []string
		wantDesc  string
	}{
		{name: "empty request keeps the grant", want: []string{"openid", "profile", "offline_access"}},
		{name: "same scopes", requested: []string{"offline_access", "openid", "profile"}, want: []string{"offline_access", "openid", "profile"}},
		{name: "narrower", requested: []string{"openid"}, want: []string{"openid"}},
		{name: "wider", requested: []string{"openid", "email"}, wantDesc: `scope "email" was not part of the original grant`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := oauth.Narrow(granted, tc.requested)
			if tc.wantDesc != "" {
				requireOAuthError(t, err, oauth.CodeInvalidScope, tc.wantDesc)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNarrowReturnsACopy(t *testing.T) {
	t.Parallel()
	granted := []string{"a", "b"}
	got, err := oauth.Narrow(granted, nil)
	require.NoError(t, err)
	got[0] = "changed"
	assert.Equal(t, []string{"a", "b"}, granted)

	requested := []string{"a"}
	got, err = oauth.Narrow(granted, requested)
	require.NoError(t, err)
	got[0] = "changed"
	assert.Equal(t, []string{"a"}, requested)
}
