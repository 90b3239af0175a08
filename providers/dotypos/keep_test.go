package dotypos

import (
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

// onStore starts an instance of the test configuration on st, as a
// process starting on a kept store does.
func onStore(t *testing.T, st store.Store) *Provider {
	t.Helper()
	p, err := New(provider.Deps{
		Name: "dotypos", Issuer: "http://dotypos.test" + pathPrefix, Clock: clock.NewFrozen(t0), Store: st,
		Logger: slog.New(slog.DiscardHandler), Rand: rand.Reader, MaxBody: testMaxBody,
	}, testConfig(t, nil))
	require.NoError(t, err)
	return p
}

func cloudIDs(cs []fixtures.Cloud) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// The clouds and which user can grant which are kept with the clients and
// users: the next process on the store has a cloud added, one deleted (and
// gone from every user's list), a user with clouds of their own, a user
// deleted with their clouds (after the client naming them); a reset brings
// the configuration back.
func TestCloudChangesAreKept(t *testing.T) {
	b := memory.New(clock.NewFrozen(t0))
	t.Cleanup(func() { _ = b.Close() })
	st := b.Namespace("dotypos")
	ctx := t.Context()
	a := onStore(t, st)
	_, err := a.PutFixture(ctx, KindClouds, "42", json.RawMessage(`{"name":"New Place"}`))
	require.NoError(t, err)
	require.NoError(t, a.DeleteFixture(ctx, KindClouds, strconv.FormatInt(cloudCafe, 10)))
	_, err = a.PutFixture(ctx, "users", "zoe", json.RawMessage(`{"password":"zoe-pw","user_clouds":[42,123456789]}`))
	require.NoError(t, err)
	require.NoError(t, a.DeleteFixture(ctx, "clients", "other-app"))
	require.NoError(t, a.DeleteFixture(ctx, "users", "bob"))

	for name, p := range map[string]*Provider{"the process that changed them": a, "the next process": onStore(t, st)} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, []int64{42, cloudBob, cloudBistro, cloudBakery}, cloudIDs(p.Clouds()))
			assert.Equal(t, []int64{cloudBistro, cloudBakery}, cloudIDs(p.UserClouds("alice")), "the deleted cloud left alice's list")
			assert.Equal(t, []int64{42, cloudBistro}, cloudIDs(p.UserClouds("zoe")))
			_, bob := p.dir.User("bob")
			assert.False(t, bob)
			assert.Empty(t, p.clouds.idsOf("bob"), "a deleted user's clouds go with them")
		})
	}

	require.NoError(t, a.Reset(ctx))
	for name, p := range map[string]*Provider{"after a reset": a, "the process after a reset": onStore(t, st)} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, []int64{cloudBob, cloudBistro, cloudCafe, cloudBakery}, cloudIDs(p.Clouds()))
			assert.Equal(t, []int64{cloudBistro, cloudCafe, cloudBakery}, cloudIDs(p.UserClouds("alice")))
			assert.Equal(t, []int64{cloudBob}, p.clouds.idsOf("bob"))
			_, zoe := p.dir.User("zoe")
			assert.False(t, zoe)
		})
	}
}
