package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testRevocations(t *testing.T, newBackend factory) {
	// Past a key's until the store may forget it, so every check here is
	// made strictly before the until that promises it.

	t.Run("revoked keys are reported until their time", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.Revoke(f.ctx, "jti-1", t0.Add(time.Hour)))
		require.NoError(t, f.st.Revoke(f.ctx, "fam-9", t0.Add(2*time.Hour)))

		for _, tc := range []struct {
			at   time.Duration // after t0
			keys []string
			want bool
		}{
			{0, []string{"jti-1"}, true},
			{0, []string{"fam-9"}, true},
			{0, []string{"jti-2"}, false},
			{0, []string{"jti-2", "fam-9"}, true},
			{0, []string{"jti-2", "jti-3"}, false},
			{0, nil, false},
			{time.Hour - tick, []string{"jti-1"}, true},
			{90 * time.Minute, []string{"fam-9"}, true},
			{90 * time.Minute, []string{"jti-1", "fam-9"}, true},
			{2*time.Hour - tick, []string{"fam-9"}, true},
		} {
			f.clk.Set(t0.Add(tc.at))
			got, err := f.st.Revoked(f.ctx, tc.keys...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got, "Revoked(%q) at t0+%v", tc.keys, tc.at)
		}
	})

	t.Run("revoking again never shortens a revocation", func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			first, second time.Duration
		}{
			{"later then earlier", 2 * time.Hour, time.Hour},
			{"earlier then later", time.Hour, 2 * time.Hour},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := setup(t, newBackend)
				require.NoError(t, f.st.Revoke(f.ctx, "jti-1", t0.Add(tc.first)))
				require.NoError(t, f.st.Revoke(f.ctx, "jti-1", t0.Add(tc.second)))

				f.clk.Set(t0.Add(90 * time.Minute))
				got, err := f.st.Revoked(f.ctx, "jti-1")
				require.NoError(t, err)
				assert.True(t, got, "the longer of the two revocations must hold")
			})
		}
	})
}
