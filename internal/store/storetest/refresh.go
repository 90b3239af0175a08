package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

func testRefresh(t *testing.T, newBackend factory) {
	const day = 24 * time.Hour

	// issued returns a fixture holding rt-1, active in fam-1, expiring in a day.
	issued := func(t *testing.T) *fixture {
		t.Helper()
		f := setup(t, newBackend)
		require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-1", refresh("fam-1", t0.Add(day))))
		return f
	}
	// rotate rotates presented to next, carrying the record over, and
	// requires it to succeed.
	rotate := func(t *testing.T, f *fixture, presented, next string) {
		t.Helper()
		_, err := f.st.RotateRefresh(f.ctx, presented, next, keep)
		require.NoError(t, err, "rotate %s -> %s", presented, next)
	}

	t.Run("a family keeps its access stamps", func(t *testing.T) { testAccessStamps(t, newBackend) })
	t.Run("a family is found by its id", func(t *testing.T) { testLookupFamily(t, newBackend) })
	t.Run("a family folds its older stamps", func(t *testing.T) { testFoldedStamps(t, newBackend) })

	t.Run("issue then lookup returns the record", func(t *testing.T) {
		f := issued(t)
		got, err := f.st.LookupRefresh(f.ctx, "rt-1")
		require.NoError(t, err)
		assert.Equal(t, refresh("fam-1", t0.Add(day)), got)
	})

	t.Run("issuing an existing token is ErrExists and keeps the first record", func(t *testing.T) {
		f := issued(t)
		assert.ErrorIs(t, f.st.IssueRefresh(f.ctx, "rt-1", refresh("fam-2", time.Time{})), store.ErrExists)

		got, err := f.st.LookupRefresh(f.ctx, "rt-1")
		require.NoError(t, err)
		assert.Equal(t, refresh("fam-1", t0.Add(day)), got)
	})

	t.Run("unknown token is ErrNotFound", func(t *testing.T) {
		f := issued(t)
		for _, tc := range []struct {
			op   string
			call func() error
		}{
			{"LookupRefresh", func() error { _, err := f.st.LookupRefresh(f.ctx, "nope"); return err }},
			{"RotateRefresh", func() error { _, err := f.st.RotateRefresh(f.ctx, "nope", "rt-2", mustNotUpdate(t)); return err }},
			{"RevokeRefresh", func() error { _, err := f.st.RevokeRefresh(f.ctx, "nope"); return err }},
		} {
			assert.ErrorIs(t, tc.call(), store.ErrNotFound, tc.op)
		}
		_, err := f.st.LookupRefresh(f.ctx, "rt-2")
		assert.ErrorIs(t, err, store.ErrNotFound, "a refused rotation must not issue next")
		_, err = f.st.LookupRefresh(f.ctx, "rt-1")
		assert.NoError(t, err, "unrelated tokens are untouched")
	})

	t.Run("rotate retires presented and activates next in the same family", func(t *testing.T) {
		f := issued(t)
		f.clk.Advance(time.Hour)
		var seen store.RefreshRecord
		succ := refresh("fam-1", f.now().Add(day))
		succ.IssuedAt = f.now()

		got, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
			seen = r
			return succ, nil
		})
		require.NoError(t, err)
		assert.Equal(t, refresh("fam-1", t0.Add(day)), seen, "update receives the presented record")
		assert.Equal(t, refresh("fam-1", t0.Add(day)), got, "rotate returns the presented record")

		next, err := f.st.LookupRefresh(f.ctx, "rt-2")
		require.NoError(t, err, "the successor is active")
		assert.Equal(t, succ, next)
		assert.Equal(t, "fam-1", next.Grant.FamilyID)

		_, err = f.st.LookupRefresh(f.ctx, "rt-1")
		assert.ErrorIs(t, err, store.ErrReused, "the presented token is retired")
		_, err = f.st.LookupRefresh(f.ctx, "rt-2")
		assert.NoError(t, err, "looking up a retired token is not a use and revokes nothing")
		rotate(t, f, "rt-2", "rt-3")
	})

	t.Run("update can narrow scopes and set the expiry", func(t *testing.T) {
		f := issued(t)
		exp := f.now().Add(time.Hour)
		_, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
			r.Grant.Scopes = []string{"openid"}
			r.ExpiresAt = exp
			return r, nil
		})
		require.NoError(t, err)

		next, err := f.st.LookupRefresh(f.ctx, "rt-2")
		require.NoError(t, err)
		assert.Equal(t, []string{"openid"}, next.Grant.Scopes)
		assert.True(t, exp.Equal(next.ExpiresAt), "ExpiresAt = %v, want %v", next.ExpiresAt, exp)

		f.clk.Set(exp.Add(time.Second))
		_, err = f.st.LookupRefresh(f.ctx, "rt-2")
		assert.ErrorIs(t, err, store.ErrExpired, "the successor's own expiry applies")
	})

	t.Run("the successor cannot leave the family", func(t *testing.T) {
		f := issued(t)
		_, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
			r.Grant.FamilyID = "fam-elsewhere"
			return r, nil
		})
		if err != nil { // refusing is as good as keeping it in the family
			_, err = f.st.LookupRefresh(f.ctx, "rt-1")
			assert.NoError(t, err, "a refused rotation changes nothing")
			return
		}
		next, err := f.st.LookupRefresh(f.ctx, "rt-2")
		require.NoError(t, err)
		assert.Equal(t, "fam-1", next.Grant.FamilyID)
		fam, err := f.st.RevokeRefresh(f.ctx, "rt-2")
		require.NoError(t, err)
		assert.Equal(t, "fam-1", fam)
		_, err = f.st.LookupRefresh(f.ctx, "rt-2")
		assert.ErrorIs(t, err, store.ErrRevoked)
	})

	t.Run("replaying a rotated token is ErrReused and revokes the family", func(t *testing.T) {
		f := issued(t)
		require.NoError(t, f.st.IssueRefresh(f.ctx, "other-1", refresh("fam-2", t0.Add(day))))
		rotate(t, f, "rt-1", "rt-2")
		rotate(t, f, "rt-2", "rt-3")

		got, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-x", mustNotUpdate(t))
		assert.ErrorIs(t, err, store.ErrReused)
		if got.Grant.FamilyID != "" {
			assert.Equal(t, "fam-1", got.Grant.FamilyID, "a record returned with ErrReused is the presented one")
		}

		_, err = f.st.LookupRefresh(f.ctx, "rt-3")
		assert.ErrorIs(t, err, store.ErrRevoked, "the active successor is revoked with its family")
		_, err = f.st.RotateRefresh(f.ctx, "rt-3", "rt-4", mustNotUpdate(t))
		assert.ErrorIs(t, err, store.ErrRevoked)
		_, err = f.st.LookupRefresh(f.ctx, "rt-2")
		assert.True(t, errorIsAny(err, store.ErrReused, store.ErrRevoked), "retired rt-2: got %v", err)
		for _, tok := range []string{"rt-x", "rt-4"} {
			_, err = f.st.LookupRefresh(f.ctx, tok)
			assert.ErrorIs(t, err, store.ErrNotFound, "refused rotations issue nothing: %s", tok)
		}
		_, err = f.st.LookupRefresh(f.ctx, "other-1")
		assert.NoError(t, err, "other families are untouched")
	})

	t.Run("a retired token is ErrReused even once its family is revoked", func(t *testing.T) {
		f := issued(t)
		rotate(t, f, "rt-1", "rt-2")
		require.NoError(t, f.st.RevokeFamily(f.ctx, "fam-1"))

		_, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-x", mustNotUpdate(t))
		assert.ErrorIs(t, err, store.ErrReused, "presenting a rotated-away token is reuse, whatever else happened")
	})

	t.Run("looking up a retired token is ErrReused and revokes nothing", func(t *testing.T) {
		f := issued(t)
		rotate(t, f, "rt-1", "rt-2")

		for range 2 {
			_, err := f.st.LookupRefresh(f.ctx, "rt-1")
			assert.ErrorIs(t, err, store.ErrReused)
		}
		_, err := f.st.LookupRefresh(f.ctx, "rt-2")
		assert.NoError(t, err)
		rotate(t, f, "rt-2", "rt-3")
	})

	t.Run("failing update changes nothing", func(t *testing.T) {
		f := issued(t)
		_, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
			r.Grant.Scopes[0] = "tampered" // scribbling on the argument must not reach the store
			r.Grant.Extra["cloud_id"] = "tampered"
			return r, errBoom
		})
		assert.ErrorIs(t, err, errBoom, "the update error is returned as is")

		got, err := f.st.LookupRefresh(f.ctx, "rt-1")
		require.NoError(t, err, "presented stays active")
		assert.Equal(t, refresh("fam-1", t0.Add(day)), got)
		_, err = f.st.LookupRefresh(f.ctx, "rt-2")
		assert.ErrorIs(t, err, store.ErrNotFound, "next is not created")
		rotate(t, f, "rt-1", "rt-2")
	})

	t.Run("rotating onto an existing token is ErrExists and changes nothing", func(t *testing.T) {
		for _, next := range []string{"other-1", "rt-1"} {
			t.Run(next, func(t *testing.T) {
				f := issued(t)
				require.NoError(t, f.st.IssueRefresh(f.ctx, "other-1", refresh("fam-2", t0.Add(2*day))))

				_, err := f.st.RotateRefresh(f.ctx, "rt-1", next, keep)
				assert.ErrorIs(t, err, store.ErrExists)

				got, err := f.st.LookupRefresh(f.ctx, "rt-1")
				require.NoError(t, err, "presented stays active")
				assert.Equal(t, refresh("fam-1", t0.Add(day)), got)
				got, err = f.st.LookupRefresh(f.ctx, "other-1")
				require.NoError(t, err, "the existing token stays active")
				assert.Equal(t, refresh("fam-2", t0.Add(2*day)), got)
			})
		}
	})

	t.Run("token is usable until just before it expires", func(t *testing.T) {
		f := issued(t)
		f.clk.Set(t0.Add(day - tick))
		_, err := f.st.LookupRefresh(f.ctx, "rt-1")
		assert.NoError(t, err)
		rotate(t, f, "rt-1", "rt-2")
	})

	t.Run("expired token is ErrExpired", func(t *testing.T) {
		for _, tc := range []struct {
			op   string
			call func(t *testing.T, f *fixture) error
		}{
			{"LookupRefresh", func(_ *testing.T, f *fixture) error { _, err := f.st.LookupRefresh(f.ctx, "rt-1"); return err }},
			{"RotateRefresh", func(t *testing.T, f *fixture) error {
				_, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", mustNotUpdate(t))
				return err
			}},
		} {
			t.Run(tc.op, func(t *testing.T) {
				f := issued(t)
				f.clk.Advance(day + time.Second)
				assert.ErrorIs(t, tc.call(t, f), store.ErrExpired)
				_, err := f.st.LookupRefresh(f.ctx, "rt-2")
				assert.ErrorIs(t, err, store.ErrNotFound, "an expired token cannot be rotated")
			})
		}
	})

	t.Run("zero ExpiresAt never expires", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-1", refresh("fam-1", time.Time{})))

		f.clk.Advance(tenYears)
		_, err := f.st.LookupRefresh(f.ctx, "rt-1")
		require.NoError(t, err)
		rotate(t, f, "rt-1", "rt-2")

		f.clk.Advance(tenYears)
		got, err := f.st.LookupRefresh(f.ctx, "rt-2")
		require.NoError(t, err)
		assert.True(t, got.ExpiresAt.IsZero())
	})

	t.Run("RevokeRefresh returns the family and revokes all of it", func(t *testing.T) {
		for _, via := range []string{"rt-2", "rt-1", "rt-side"} { // active, retired, sibling
			t.Run("via "+via, func(t *testing.T) {
				f := issued(t)
				rotate(t, f, "rt-1", "rt-2")
				require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-side", refresh("fam-1", t0.Add(day))))
				require.NoError(t, f.st.IssueRefresh(f.ctx, "other-1", refresh("fam-2", t0.Add(day))))

				fam, err := f.st.RevokeRefresh(f.ctx, via)
				require.NoError(t, err)
				assert.Equal(t, "fam-1", fam)

				for _, tok := range []string{"rt-2", "rt-side"} {
					_, err = f.st.LookupRefresh(f.ctx, tok)
					assert.ErrorIs(t, err, store.ErrRevoked, tok)
					_, err = f.st.RotateRefresh(f.ctx, tok, tok+"-next", mustNotUpdate(t))
					assert.ErrorIs(t, err, store.ErrRevoked, tok)
				}
				_, err = f.st.LookupRefresh(f.ctx, "other-1")
				assert.NoError(t, err, "other families are untouched")
			})
		}
	})

	t.Run("RevokeFamily revokes every token of that family only", func(t *testing.T) {
		f := issued(t)
		require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-side", refresh("fam-1", time.Time{})))
		require.NoError(t, f.st.IssueRefresh(f.ctx, "other-1", refresh("fam-2", t0.Add(day))))

		require.NoError(t, f.st.RevokeFamily(f.ctx, "fam-1"))
		for _, tok := range []string{"rt-1", "rt-side"} {
			_, err := f.st.LookupRefresh(f.ctx, tok)
			assert.ErrorIs(t, err, store.ErrRevoked, tok)
		}
		_, err := f.st.LookupRefresh(f.ctx, "other-1")
		assert.NoError(t, err)

		assert.NoError(t, f.st.RevokeFamily(f.ctx, "fam-1"), "revoking again is not an error")
		assert.NoError(t, f.st.RevokeFamily(f.ctx, "no-such-family"), "revoking an unknown family is not an error")
		_, err = f.st.LookupRefresh(f.ctx, "other-1")
		assert.NoError(t, err)
	})

	t.Run("records are copies", func(t *testing.T) {
		f := setup(t, newBackend)
		rec := refresh("fam-1", t0.Add(day))
		require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-1", rec))
		rec.Grant.Scopes[0], rec.Grant.Extra["cloud_id"] = "admin", "tampered"

		got, err := f.st.LookupRefresh(f.ctx, "rt-1")
		require.NoError(t, err)
		require.Equal(t, refresh("fam-1", t0.Add(day)), got, "IssueRefresh must copy the record")
		got.Grant.Scopes[0], got.Grant.Extra["cloud_id"] = "admin", "tampered"

		succ := refresh("fam-1", t0.Add(day))
		presented, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(store.RefreshRecord) (store.RefreshRecord, error) {
			return succ, nil
		})
		require.NoError(t, err)
		assert.Equal(t, refresh("fam-1", t0.Add(day)), presented, "LookupRefresh must return a copy")
		succ.Grant.Scopes[0] = "admin" // after the store took it

		next, err := f.st.LookupRefresh(f.ctx, "rt-2")
		require.NoError(t, err)
		assert.Equal(t, refresh("fam-1", t0.Add(day)), next, "RotateRefresh must copy the successor")
	})
}

// testAccessStamps checks that a family keeps the stamps of its access
// tokens, whichever of its tokens is presented, until they expire.
func testAccessStamps(t *testing.T, newBackend factory) {
	stamp := func(seq uint64, in time.Duration) store.AccessStamp {
		return store.AccessStamp{Seq: seq, Exp: t0.Add(in).Unix()}
	}
	f := setup(t, newBackend)
	first := refresh("fam", time.Time{})
	first.Access = []store.AccessStamp{stamp(1, time.Hour)}
	require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-1", first))

	var seen []store.AccessStamp
	_, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
		seen = r.Access
		r.Access = []store.AccessStamp{stamp(2, 2*time.Hour), {Seq: 3}}
		return r, nil
	})
	require.NoError(t, err)
	assert.Empty(t, seen, "update sees no stamps: it returns only the new ones")

	for _, tc := range []struct {
		at    time.Duration
		token string
		want  []store.AccessStamp
		err   error
	}{
		{0, "rt-2", []store.AccessStamp{stamp(1, time.Hour), stamp(2, 2*time.Hour), {Seq: 3}}, nil},
		{time.Hour, "rt-2", []store.AccessStamp{stamp(2, 2*time.Hour), {Seq: 3}}, nil},
		{time.Hour, "rt-1", []store.AccessStamp{stamp(2, 2*time.Hour), {Seq: 3}}, store.ErrReused},
	} {
		f.clk.Set(t0.Add(tc.at))
		got, err := f.st.LookupRefresh(f.ctx, tc.token)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err)
		} else {
			require.NoError(t, err)
		}
		assert.Equal(t, tc.want, got.Access, "%s at t0+%v", tc.token, tc.at)
	}
	got, err := f.st.RotateRefresh(f.ctx, "rt-1", "rt-x", func(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil })
	require.ErrorIs(t, err, store.ErrReused)
	assert.Equal(t, []store.AccessStamp{stamp(2, 2*time.Hour), {Seq: 3}}, got.Access,
		"a reuse names every access token of the family it revoked")
}

// testLookupFamily checks that a family can be found by its id alone.
func testLookupFamily(t *testing.T, newBackend factory) {
	f := setup(t, newBackend)
	_, err := f.st.LookupFamily(f.ctx, "fam")
	require.ErrorIs(t, err, store.ErrNotFound)
	first := refresh("fam", t0.Add(time.Hour))
	first.Access = []store.AccessStamp{{Seq: 1}}
	require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-1", first))
	_, err = f.st.RotateRefresh(f.ctx, "rt-1", "rt-2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
		r.ExpiresAt = t0.Add(2 * time.Hour)
		r.Access = []store.AccessStamp{{Seq: 2}}
		return r, nil
	})
	require.NoError(t, err)
	got, err := f.st.LookupFamily(f.ctx, "fam")
	require.NoError(t, err)
	assert.Equal(t, t0.Add(2*time.Hour), got.ExpiresAt, "the newest token's record")
	assert.Equal(t, []store.AccessStamp{{Seq: 1}, {Seq: 2}}, got.Access)

	require.NoError(t, f.st.RevokeFamily(f.ctx, "fam"))
	got, err = f.st.LookupFamily(f.ctx, "fam")
	require.ErrorIs(t, err, store.ErrRevoked)
	assert.Equal(t, "fam", got.Grant.FamilyID)

	f.clk.Set(t0.Add(2 * time.Hour))
	_, err = f.st.LookupFamily(f.ctx, "fam")
	require.ErrorIs(t, err, store.ErrNotFound, "a family whose tokens have all expired")
}

// testFoldedStamps checks that a family rotated many times keeps its
// newest stamps whole and counts the older ones, so that it costs the same
// however often it rotates.
func testFoldedStamps(t *testing.T, newBackend factory) {
	f := setup(t, newBackend)
	const rotations = 3 * store.MaxAccessStamps
	first := refresh("fam", time.Time{})
	first.Access = []store.AccessStamp{{Seq: 1, Exp: t0.Add(time.Hour).Unix()}}
	require.NoError(t, f.st.IssueRefresh(f.ctx, "rt-0", first))
	for i := range rotations {
		_, err := f.st.RotateRefresh(f.ctx, fmt.Sprint("rt-", i), fmt.Sprint("rt-", i+1), func(r store.RefreshRecord) (store.RefreshRecord, error) {
			r.Access = []store.AccessStamp{{Seq: uint64(i + 2), Exp: t0.Add(time.Hour).Unix()}}
			return r, nil
		})
		require.NoError(t, err)
	}
	got, err := f.st.LookupFamily(f.ctx, "fam")
	require.NoError(t, err)
	whole, folded := 0, 0
	for _, a := range got.Access {
		if a.Seq == 0 {
			folded += int(a.Count)
		} else {
			whole++
		}
	}
	assert.Equal(t, store.MaxAccessStamps, whole, "the newest are kept whole")
	assert.Equal(t, rotations+1, whole+folded, "the rest are counted")
	assert.LessOrEqual(t, len(got.Access), store.MaxAccessStamps+1, "one count per expiry")
	assert.Equal(t, uint64(rotations+1), got.Access[len(got.Access)-1].Seq, "newest last")
}
