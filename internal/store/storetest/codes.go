package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

func testCodes(t *testing.T, newBackend factory) {
	t.Run("consume returns the stored grant", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))

		got, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		require.NoError(t, err)
		assert.Equal(t, grant("fam-1"), got)
	})

	t.Run("every later consume is ErrConsumed with the original grant", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))
		_, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		require.NoError(t, err)

		for i := range 3 {
			got, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
			assert.ErrorIs(t, err, store.ErrConsumed, "replay %d", i)
			assert.Equal(t, grant("fam-1"), got, "replay %d must carry the grant so its tokens can be revoked", i)
		}
	})

	t.Run("a failed check leaves the code redeemable and returns its error", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))
		errWrongVerifier := errors.New("wrong verifier")

		var seen store.Grant
		_, err := f.st.ConsumeCode(f.ctx, "code-1", func(g store.Grant) error {
			seen = g
			return errWrongVerifier
		})
		require.ErrorIs(t, err, errWrongVerifier)
		assert.Equal(t, grant("fam-1"), seen, "check must see the stored grant")

		got, err := f.st.ConsumeCode(f.ctx, "code-1", func(store.Grant) error { return nil })
		require.NoError(t, err, "the code must still be redeemable after a failed check")
		assert.Equal(t, grant("fam-1"), got)
	})

	t.Run("a replay is ErrConsumed whatever the check says", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))
		_, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		require.NoError(t, err)

		called := false
		got, err := f.st.ConsumeCode(f.ctx, "code-1", func(store.Grant) error { called = true; return nil })
		assert.ErrorIs(t, err, store.ErrConsumed)
		assert.Equal(t, grant("fam-1"), got)
		assert.False(t, called, "check runs only for a live, unconsumed code")
	})

	t.Run("unknown code is ErrNotFound", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))

		for _, code := range []string{"code-2", "", "CODE-1", "code-1 "} {
			_, err := f.st.ConsumeCode(f.ctx, code, nil)
			assert.ErrorIs(t, err, store.ErrNotFound, "code %q", code)
		}
	})

	t.Run("code is consumable until just before it expires", func(t *testing.T) {
		f := setup(t, newBackend)
		exp := f.now().Add(time.Minute)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), exp))

		f.clk.Set(exp.Add(-tick))
		_, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		assert.NoError(t, err)
	})

	t.Run("expired code is ErrExpired and never consumable", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))

		f.clk.Advance(time.Minute + time.Second)
		_, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		assert.ErrorIs(t, err, store.ErrExpired)

		f.clk.Advance(time.Hour)
		_, err = f.st.ConsumeCode(f.ctx, "code-1", nil)
		assertExpiredOrGone(t, err, "an expired code must stay unusable")
	})

	t.Run("consumed code stays unusable after it expires", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), f.now().Add(time.Minute)))
		_, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		require.NoError(t, err)

		f.clk.Advance(time.Hour)
		_, err = f.st.ConsumeCode(f.ctx, "code-1", nil)
		// Which refusal is not specified; that it is a refusal is.
		if !assert.Error(t, err) {
			return
		}
		assert.True(t, errorIsAny(err, store.ErrConsumed, store.ErrExpired, store.ErrNotFound), "got %v", err)
	})

	t.Run("duplicate code is ErrExists and keeps the first grant", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			consumed bool
			wantErr  error // from consuming after the duplicate put
		}{
			{"while unconsumed", false, nil},
			{"after it was consumed", true, store.ErrConsumed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := setup(t, newBackend)
				exp := f.now().Add(time.Minute)
				require.NoError(t, f.st.PutCode(f.ctx, "code-1", grant("fam-1"), exp))
				if tc.consumed {
					_, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
					require.NoError(t, err)
				}

				assert.ErrorIs(t, f.st.PutCode(f.ctx, "code-1", grant("fam-2"), exp), store.ErrExists)

				got, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
				if tc.wantErr == nil {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, tc.wantErr)
				}
				assert.Equal(t, "fam-1", got.FamilyID, "the first grant must survive")
			})
		}
	})

	t.Run("grants are copies", func(t *testing.T) {
		f := setup(t, newBackend)
		g := grant("fam-1")
		require.NoError(t, f.st.PutCode(f.ctx, "code-1", g, f.now().Add(time.Minute)))
		g.Scopes[0], g.Extra["cloud_id"] = "admin", "tampered" // the caller's copy

		got, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		require.NoError(t, err)
		require.Equal(t, grant("fam-1"), got, "PutCode must copy the grant")
		got.Scopes[0], got.Extra["cloud_id"] = "admin", "tampered"
		got.Extra["new"] = "x"

		again, err := f.st.ConsumeCode(f.ctx, "code-1", nil)
		assert.ErrorIs(t, err, store.ErrConsumed)
		assert.Equal(t, grant("fam-1"), again, "ConsumeCode must return a copy")
	})
}
