package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

// devices is the device-flow layout the suite checks on every backend.
var devices = store.Devices{Prefix: "device:", Grace: 10 * time.Minute}

// deviceAuth is a pending authorization polled every 5 s, expiring in 10 min.
func deviceAuth() store.DeviceAuth {
	return store.DeviceAuth{
		DeviceHash: "hash-1",
		ClientID:   "client-1",
		Scopes:     []string{"openid", "offline_access"},
		ExpiresAt:  t0.Add(10 * time.Minute),
		Interval:   5 * time.Second,
		Status:     store.DevicePending,
	}
}

func testDevices(t *testing.T, newBackend factory) {
	create := func(t *testing.T, f *fixture) {
		t.Helper()
		require.NoError(t, devices.Create(f.ctx, f.st, "BCDFGHJK", deviceAuth()))
	}

	t.Run("create refuses a live user code and keeps the first", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		other := deviceAuth()
		other.ClientID = "client-2"
		require.ErrorIs(t, devices.Create(f.ctx, f.st, "BCDFGHJK", other), store.ErrExists)
		got, err := devices.Get(f.ctx, f.st, "BCDFGHJK", f.now())
		require.NoError(t, err)
		assert.Equal(t, deviceAuth(), got)
	})

	t.Run("pending, then slow_down within the interval, which grows by 5 s", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		_, err := devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrPending)
		f.clk.Advance(4 * time.Second)
		a, err := devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrSlowDown)
		assert.Equal(t, 10*time.Second, a.Interval)
		f.clk.Advance(9 * time.Second)
		a, err = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrSlowDown, "the grown interval counts from the last poll")
		assert.Equal(t, 15*time.Second, a.Interval)
		f.clk.Advance(15 * time.Second)
		_, err = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrPending)
		got, err := devices.Get(f.ctx, f.st, "BCDFGHJK", f.now())
		require.NoError(t, err)
		assert.Equal(t, 15*time.Second, got.Interval, "the interval stays grown")
	})

	t.Run("leeway lets a poll come that much early", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		lenient := devices
		lenient.Leeway = time.Second
		_, err := lenient.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrPending)
		f.clk.Advance(4 * time.Second)
		_, err = lenient.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrPending)
		f.clk.Advance(4*time.Second - tick)
		_, err = lenient.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrSlowDown)
	})

	t.Run("a failed check changes nothing", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		_, err := devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), func(store.DeviceAuth) error { return errBoom })
		require.ErrorIs(t, err, errBoom)
		got, err := devices.Get(f.ctx, f.st, "BCDFGHJK", f.now())
		require.NoError(t, err)
		assert.Equal(t, deviceAuth(), got, "no poll was recorded")
	})

	t.Run("approved is redeemed once with its grant", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		decided, err := devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), true, grant("fam"))
		require.NoError(t, err)
		assert.Equal(t, store.DeviceApproved, decided.Status)
		a, err := devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.NoError(t, err)
		assert.Equal(t, grant("fam"), a.Grant)
		assert.Equal(t, store.DeviceRedeemed, a.Status)
		_, err = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now().Add(time.Minute), nil)
		require.ErrorIs(t, err, store.ErrConsumed)
	})

	t.Run("denied stays denied; a second decision is ErrDecided", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		_, err := devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), false, store.Grant{})
		require.NoError(t, err)
		_, err = devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), true, grant("fam"))
		require.ErrorIs(t, err, store.ErrDecided)
		for range 2 {
			_, err = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
			require.ErrorIs(t, err, store.ErrDenied)
		}
	})

	t.Run("expiry is judged on the store's clock and kept for the grace", func(t *testing.T) {
		f := setup(t, newBackend)
		create(t, f)
		f.clk.Advance(10*time.Minute - tick)
		_, err := devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrPending, "live until just before it expires")
		f.clk.Advance(tick)
		_, err = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrExpired)
		_, err = devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), true, grant("fam"))
		require.ErrorIs(t, err, store.ErrExpired)
		_, err = devices.Get(f.ctx, f.st, "BCDFGHJK", f.now())
		require.ErrorIs(t, err, store.ErrExpired)
		f.clk.Advance(10 * time.Minute)
		_, err = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrNotFound, "gone after the grace")
		require.NoError(t, devices.Create(f.ctx, f.st, "BCDFGHJK", deviceAuth()), "the user code is free again")
	})

	t.Run("unknown user code is ErrNotFound", func(t *testing.T) {
		f := setup(t, newBackend)
		_, err := devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), true, grant("fam"))
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = devices.Get(f.ctx, f.st, "BCDFGHJK", f.now())
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("exactly one of 64 concurrent polls redeems", func(t *testing.T) {
		for round := range rounds {
			f := setup(t, newBackend)
			create(t, f)
			_, err := devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), true, grant("fam"))
			require.NoError(t, err)
			errs := make([]error, goroutines)
			race(func(i int) { _, errs[i] = devices.Poll(f.ctx, f.st, "BCDFGHJK", f.now(), nil) })
			wins, losses := tally(t, errs, store.ErrConsumed)
			require.Equal(t, 1, wins, "round %d: winners", round)
			require.Equal(t, goroutines-1, losses, "round %d: ErrConsumed", round)
		}
	})

	t.Run("exactly one of 64 concurrent decisions wins", func(t *testing.T) {
		for round := range rounds {
			f := setup(t, newBackend)
			create(t, f)
			errs := make([]error, goroutines)
			race(func(i int) {
				_, errs[i] = devices.Decide(f.ctx, f.st, "BCDFGHJK", f.now(), i%2 == 0, grant("fam"))
			})
			wins, losses := tally(t, errs, store.ErrDecided)
			require.Equal(t, 1, wins, "round %d: winners", round)
			require.Equal(t, goroutines-1, losses, "round %d: ErrDecided", round)
		}
	})
}
