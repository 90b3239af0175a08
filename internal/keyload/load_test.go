package keyload

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/jwtutil"
)

func demoPEM(t *testing.T, name string) string {
	t.Helper()
	b, secret, err := fixtures.BuiltinKey(name)
	require.NoError(t, err)
	require.False(t, secret)
	return string(b)
}

func TestLoadKeySet(t *testing.T) {
	dir := t.TempDir()
	rsPEM := demoPEM(t, "demo-rs256")
	esPEM := demoPEM(t, "demo-es256")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rs.pem"), []byte(rsPEM), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.txt"), []byte("hello"), 0o600))
	es, err := jwtutil.ParsePEM([]byte(esPEM), "")
	require.NoError(t, err)
	pubJWK, err := json.Marshal(es.PublicJWK())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "es.jwk"), pubJWK, 0o600))
	secret32 := "0123456789abcdef0123456789abcdef"

	tests := []struct {
		name      string
		specs     []fixtures.KeySpec
		wantPaths []string                          // problems expected, by path
		check     func(*testing.T, *jwtutil.KeySet) // when no problems
	}{
		{name: "no keys", specs: nil, wantPaths: []string{"keys"}},
		{
			name:  "builtin RSA",
			specs: []fixtures.KeySpec{{Builtin: "demo-rs256"}},
			check: func(t *testing.T, s *jwtutil.KeySet) {
				assert.Equal(t, jwtutil.RS256, s.Active().Alg())
				assert.Equal(t, s.Active().Thumbprint(), s.Active().KID())
			},
		},
		{
			name:  "builtin HMAC secret",
			specs: []fixtures.KeySpec{{Builtin: "demo-hs256", Alg: "HS256"}},
			check: func(t *testing.T, s *jwtutil.KeySet) { assert.Equal(t, jwtutil.HS256, s.Active().Alg()) },
		},
		{
			name:  "kid overrides the thumbprint",
			specs: []fixtures.KeySpec{{Builtin: "demo-es256", KID: "mine"}},
			check: func(t *testing.T, s *jwtutil.KeySet) { assert.Equal(t, "mine", s.Active().KID()) },
		},
		{
			name:  "relative PEM file, then a public JWK file to verify with",
			specs: []fixtures.KeySpec{{File: "rs.pem"}, {File: filepath.Join(dir, "es.jwk")}},
			check: func(t *testing.T, s *jwtutil.KeySet) {
				keys := s.Keys()
				require.Len(t, keys, 2)
				assert.Equal(t, jwtutil.RS256, keys[0].Alg())
				assert.Equal(t, jwtutil.ES256, keys[1].Alg())
				assert.False(t, keys[1].CanSign())
			},
		},
		{
			name:  "inline PEM and JWK",
			specs: []fixtures.KeySpec{{PEM: esPEM, Alg: "ES256"}, {JWK: json.RawMessage(`{"kty":"oct","k":"` + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" + `"}`)}},
			check: func(t *testing.T, s *jwtutil.KeySet) { assert.Len(t, s.Keys(), 2) },
		},
		{
			name:  "secret and generated key",
			specs: []fixtures.KeySpec{{Secret: secret32}, {Generate: true, Alg: "EdDSA"}},
			check: func(t *testing.T, s *jwtutil.KeySet) {
				assert.Equal(t, jwtutil.HS256, s.Active().Alg())
				assert.Equal(t, jwtutil.EdDSA, s.Keys()[1].Alg())
			},
		},
		{name: "unknown builtin", specs: []fixtures.KeySpec{{Builtin: "nope"}}, wantPaths: []string{"keys[0].builtin"}},
		{name: "no source", specs: []fixtures.KeySpec{{KID: "x"}}, wantPaths: []string{"keys[0]"}},
		{name: "two sources", specs: []fixtures.KeySpec{{Builtin: "demo-rs256", Secret: secret32}}, wantPaths: []string{"keys[0]"}},
		{name: "missing file", specs: []fixtures.KeySpec{{File: "missing.pem"}}, wantPaths: []string{"keys[0].file"}},
		{name: "file neither PEM nor JWK", specs: []fixtures.KeySpec{{File: "junk.txt"}}, wantPaths: []string{"keys[0].file"}},
		{name: "alg does not match PEM", specs: []fixtures.KeySpec{{PEM: rsPEM, Alg: "ES256"}}, wantPaths: []string{"keys[0].alg"}},
		{name: "HS256 declared for PEM", specs: []fixtures.KeySpec{{Builtin: "demo-rs256", Alg: "HS256"}}, wantPaths: []string{"keys[0].builtin"}},
		{name: "alg does not match JWK", specs: []fixtures.KeySpec{{Builtin: "demo-rs256"}, {File: "es.jwk", Alg: "RS256"}}, wantPaths: []string{"keys[1].alg"}},
		{name: "unsupported alg", specs: []fixtures.KeySpec{{Generate: true, Alg: "PS256"}}, wantPaths: []string{"keys[0].alg"}},
		{name: "generate without alg", specs: []fixtures.KeySpec{{Generate: true}}, wantPaths: []string{"keys[0].generate"}},
		{name: "short secret", specs: []fixtures.KeySpec{{Secret: "short"}}, wantPaths: []string{"keys[0].secret"}},
		{name: "secret with an asymmetric alg", specs: []fixtures.KeySpec{{Secret: secret32, Alg: "RS256"}}, wantPaths: []string{"keys[0].secret"}},
		{name: "public key cannot be active", specs: []fixtures.KeySpec{{File: "es.jwk"}}, wantPaths: []string{"keys[0]"}},
		{name: "duplicate kid", specs: []fixtures.KeySpec{{Builtin: "demo-rs256"}, {Builtin: "demo-es256", KID: "k"}, {Builtin: "demo-eddsa", KID: "k"}}, wantPaths: []string{"keys[2].kid"}},
		{
			name:      "every problem at once",
			specs:     []fixtures.KeySpec{{}, {Secret: "short"}, {File: "missing.pem"}, {Generate: true, Alg: "none"}},
			wantPaths: []string{"keys[0]", "keys[1].secret", "keys[2].file", "keys[3].alg"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, ps := LoadKeySet(tc.specs, dir)
			if len(tc.wantPaths) > 0 {
				assert.Nil(t, set)
				paths := make([]string, len(ps))
				for i, p := range ps {
					paths[i] = p.Path
					assert.NotContains(t, p.Message, "jwtutil:", "internal package names leak into %q", p)
				}
				assert.Equal(t, tc.wantPaths, paths, "problems: %v", ps)
				return
			}
			require.Empty(t, ps)
			require.NotNil(t, set)
			if tc.check != nil {
				tc.check(t, set)
			}
		})
	}
}

func TestLoadKeySetSigns(t *testing.T) {
	set, ps := LoadKeySet([]fixtures.KeySpec{{Builtin: "demo-eddsa"}}, "")
	require.Empty(t, ps)
	tok, err := set.Sign(jwt.MapClaims{"sub": "alice"})
	require.NoError(t, err)
	assert.NotEmpty(t, tok)
}

func TestCheckSpecs(t *testing.T) {
	tests := []struct {
		name  string
		specs []fixtures.KeySpec
		want  []string // problem paths
	}{
		{name: "builtin ok", specs: []fixtures.KeySpec{{Builtin: "demo-rs256"}}},
		{name: "no keys", want: []string{"keys"}},
		{name: "unknown builtin", specs: []fixtures.KeySpec{{Builtin: "demo-rs512"}}, want: []string{"keys[0].builtin"}},
		{name: "bad inline pem", specs: []fixtures.KeySpec{{Builtin: "demo-rs256"}, {PEM: "nope"}}, want: []string{"keys[1].pem"}},
		{name: "short secret", specs: []fixtures.KeySpec{{Secret: "short"}}, want: []string{"keys[0].secret"}},
		{name: "files are left to LoadKeySet", specs: []fixtures.KeySpec{{File: "does-not-exist.pem"}}},
		{name: "generate needs alg", specs: []fixtures.KeySpec{{Generate: true}}, want: []string{"keys[0].generate"}},
		{name: "generate with alg is not run", specs: []fixtures.KeySpec{{Generate: true, Alg: "RS256"}}},
		{name: "two sources", specs: []fixtures.KeySpec{{Builtin: "demo-rs256", Secret: "x"}}, want: []string{"keys[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range CheckSpecs(tc.specs) {
				got = append(got, p.Path)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestBuiltinKeysAreParsedOnce(t *testing.T) {
	a, ps := LoadKeySet([]fixtures.KeySpec{{Builtin: "demo-rs256"}}, "")
	require.Empty(t, ps)
	b, ps := LoadKeySet([]fixtures.KeySpec{{Builtin: "demo-rs256", KID: "mine"}}, "")
	require.Empty(t, ps)
	c, ps := LoadKeySet([]fixtures.KeySpec{{Builtin: "demo-rs256"}}, "")
	require.Empty(t, ps)
	assert.Same(t, a.Active(), c.Active(), "the parsed demo key is shared")
	assert.Equal(t, "mine", b.Active().KID())
	assert.NotEqual(t, "mine", c.Active().KID(), "a kid override does not leak into the shared key")
}

// TestBuiltinKeysFollowTheSigner: a demo key parsed while one RS256 signer
// was selected is not handed out after another is selected.
func TestBuiltinKeysFollowTheSigner(t *testing.T) {
	t.Cleanup(func() { _, _ = jwtutil.SelectSigner(jwtutil.SignerGo) })
	load := func() *jwtutil.Key {
		t.Helper()
		s, ps := LoadKeySet([]fixtures.KeySpec{{Builtin: "demo-rs256"}}, "")
		require.Empty(t, ps)
		return s.Active()
	}
	_, err := jwtutil.SelectSigner(jwtutil.SignerGo)
	require.NoError(t, err)
	goKey := load()
	assert.Equal(t, jwtutil.SignerGo, goKey.Signer())

	info, err := jwtutil.SelectSigner(jwtutil.SignerAuto)
	require.NoError(t, err)
	k := load()
	assert.Equal(t, info.Signer, k.Signer(), "auto chose %s", info)
	if info.Signer == jwtutil.SignerOpenSSL {
		assert.NotSame(t, goKey, k)
	}
	_, err = jwtutil.SelectSigner(jwtutil.SignerGo)
	require.NoError(t, err)
	assert.Same(t, goKey, load(), "the Go-signing key is still cached")
}
