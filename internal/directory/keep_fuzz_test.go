package directory_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/store/memory"
)

// FuzzKeptOverlay: whatever the stored overlay holds, starting on it either
// fails and leaves the configured fixtures, or applies it so that the
// overlay of the result, applied to the configuration again, gives the same
// clients and users.
func FuzzKeptOverlay(f *testing.F) {
	f.Add([]byte(`{"rev":"r1","version":3,"kinds":{"clients":{"added":{"secret":"s","grant_types":["client_credentials"]},"web":null},"users":{"alice":{"password":"new"},"bob":null}}}`))
	f.Add([]byte(`{"rev":"r2","kinds":{"users":{"carol":{"subject":"sub-bob","claims":{"n":1.5,"l":[1,"a",null]}}}}}`))
	f.Add([]byte(`{"rev":"r3","kinds":{"users":{"eve":"not a user"}}}`))
	f.Add([]byte(`not json`))
	clk := clock.NewFrozen(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b := memory.New(clk, memory.WithSweepInterval(0))
		defer b.Close()
		st := b.Namespace("oidc")
		require.NoError(t, st.PutRecord(t.Context(), "fixtures/overlay", raw, time.Time{}))
		d := configured()
		if _, err := directory.Keep(st, nil, d); err != nil {
			assert.True(t, seesConfigured(d), "a record that cannot be applied changes nothing")
			return
		}
		ov, err := d.Overlay()
		require.NoError(t, err)
		again := configured()
		require.NoError(t, again.Restore(ov))
		// As JSON: an empty list and none are the same fixture.
		assert.JSONEq(t, jsonOf(t, d.Clients()), jsonOf(t, again.Clients()))
		assert.JSONEq(t, jsonOf(t, d.Users()), jsonOf(t, again.Users()))
	})
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
