package keyload_test

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/keyload"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/jwtutil"
)

func TestSharedGeneratedKeys(t *testing.T) {
	be := memory.New(clock.NewControlled(nil), memory.WithSweepInterval(0))
	t.Cleanup(func() { _ = be.Close() })
	for _, alg := range []string{"RS256", "ES256", "EdDSA", "HS256"} {
		t.Run(alg, func(t *testing.T) {
			specs := []fixtures.KeySpec{{Generate: true, Alg: alg}, {Builtin: "demo-es256"}}
			st := be.Namespace("ns-" + alg)
			a, ps := keyload.LoadKeySet(specs, "", keyload.Shared(st))
			require.Empty(t, ps)
			b, ps := keyload.LoadKeySet(specs, "", keyload.Shared(st))
			require.Empty(t, ps)
			assert.Equal(t, a.Active().KID(), b.Active().KID(), "a second process on the store loads the first one's key")
			tok, err := a.Sign(jwt.MapClaims{"sub": "x"})
			require.NoError(t, err)
			_, err = b.Verify(tok, nil, jwtutil.VerifyOptions{AllowMissingExp: true})
			assert.NoError(t, err, "its tokens verify at the other")

			alone, ps := keyload.LoadKeySet(specs, "")
			require.Empty(t, ps)
			assert.NotEqual(t, a.Active().KID(), alone.Active().KID(), "without a store every load generates anew")

			other := be.Namespace("other-" + alg)
			c, ps := keyload.LoadKeySet(specs, "", keyload.Shared(other))
			require.Empty(t, ps)
			assert.NotEqual(t, a.Active().KID(), c.Active().KID(), "another instance keeps its own key")
		})
	}
	t.Run("an algorithm changed in the configuration is refused", func(t *testing.T) {
		st := be.Namespace("changed")
		_, ps := keyload.LoadKeySet([]fixtures.KeySpec{{Generate: true, Alg: "ES256"}}, "", keyload.Shared(st))
		require.Empty(t, ps)
		_, ps = keyload.LoadKeySet([]fixtures.KeySpec{{Generate: true, Alg: "EdDSA"}}, "", keyload.Shared(st))
		require.NotEmpty(t, ps)
		assert.Contains(t, ps.Err().Error(), "holds a generated ES256 key")
	})
}
