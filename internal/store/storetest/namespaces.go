package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

func testNamespaces(t *testing.T, newBackend factory) {
	t.Run("namespaces never see each other", func(t *testing.T) {
		f := setup(t, newBackend)
		a, b := f.be.Namespace("a"), f.be.Namespace("b")
		populate(t, f.ctx, a)

		assertEmpty(t, f.ctx, b)
		// b can use the very names a uses, with its own values.
		require.NoError(t, b.PutCode(f.ctx, "code", grant("fam-b"), time.Time{}))
		require.NoError(t, b.IssueRefresh(f.ctx, "rt", refresh("fam-b", time.Time{})))
		require.NoError(t, b.RevokeFamily(f.ctx, "fam"), "revoking a's family id in b")
		g, err := b.ConsumeCode(f.ctx, "code", nil)
		require.NoError(t, err)
		assert.Equal(t, "fam-b", g.FamilyID)

		assertPopulated(t, f.ctx, a)
	})

	t.Run("the same name returns the same store", func(t *testing.T) {
		f := setup(t, newBackend)
		populate(t, f.ctx, f.be.Namespace("a"))
		assertPopulated(t, f.ctx, f.be.Namespace("a"))
	})

	t.Run("Reset clears only its namespace", func(t *testing.T) {
		f := setup(t, newBackend)
		a, b := f.be.Namespace("a"), f.be.Namespace("b")
		populate(t, f.ctx, a)
		populate(t, f.ctx, b)

		require.NoError(t, f.be.Reset(f.ctx, "a"))
		assertEmpty(t, f.ctx, a)
		assertEmpty(t, f.ctx, f.be.Namespace("a"))
		assertPopulated(t, f.ctx, b)

		populate(t, f.ctx, a) // reusable, with no leftovers
		assertPopulated(t, f.ctx, f.be.Namespace("a"))
		assert.NoError(t, f.be.Reset(f.ctx, "never-used"))
	})

	t.Run("Reset forgets revoked families", func(t *testing.T) {
		f := setup(t, newBackend)
		require.NoError(t, f.st.IssueRefresh(f.ctx, "rt", refresh("fam", time.Time{})))
		require.NoError(t, f.st.RevokeFamily(f.ctx, "fam"))
		require.NoError(t, f.be.Reset(f.ctx, "storetest"))

		require.NoError(t, f.st.IssueRefresh(f.ctx, "rt", refresh("fam", time.Time{})))
		_, err := f.st.LookupRefresh(f.ctx, "rt")
		assert.NoError(t, err)
	})

	t.Run("ResetAll clears every namespace", func(t *testing.T) {
		f := setup(t, newBackend)
		names := []string{"a", "b", "c"}
		for _, n := range names {
			populate(t, f.ctx, f.be.Namespace(n))
		}

		require.NoError(t, f.be.ResetAll(f.ctx))
		for _, n := range names {
			assertEmpty(t, f.ctx, f.be.Namespace(n))
			populate(t, f.ctx, f.be.Namespace(n))
		}
	})
}

// populate puts one of everything into st: code "code" and token "rt" of
// family "fam", record "rec", revoked key "jti".
func populate(t *testing.T, ctx context.Context, st store.Store) {
	t.Helper()
	require.NoError(t, st.PutCode(ctx, "code", grant("fam"), time.Time{}))
	require.NoError(t, st.IssueRefresh(ctx, "rt", refresh("fam", time.Time{})))
	require.NoError(t, st.PutRecord(ctx, "rec", []byte("v"), time.Time{}))
	_, err := st.Mark(ctx, "jti", store.MarkRevoked, t0.Add(tenYears))
	require.NoError(t, err)
	_, err = st.RaiseCutoff(ctx, "user:alice", 9)
	require.NoError(t, err)
}

// assertPopulated checks what populate put is there, without consuming or
// rotating anything.
func assertPopulated(t *testing.T, ctx context.Context, st store.Store) {
	t.Helper()
	// A duplicate put is the one probe of a code that does not consume it.
	assert.ErrorIs(t, st.PutCode(ctx, "code", grant("fam"), time.Time{}), store.ErrExists, "code")
	_, err := st.LookupRefresh(ctx, "rt")
	assert.NoError(t, err, "refresh token")
	_, err = st.GetRecord(ctx, "rec")
	assert.NoError(t, err, "record")
	level, err := st.ReadLiveness(ctx, []string{"jti"}, nil, nil)
	assert.NoError(t, err)
	assert.Equal(t, store.MarkRevoked, level, "mark")
	cut := make([]uint64, 1)
	_, err = st.ReadLiveness(ctx, nil, []string{"user:alice"}, cut)
	assert.NoError(t, err)
	assert.Equal(t, uint64(9), cut[0], "cut-off")
}

// assertEmpty checks none of what populate puts is there.
func assertEmpty(t *testing.T, ctx context.Context, st store.Store) {
	t.Helper()
	_, err := st.ConsumeCode(ctx, "code", nil)
	assert.ErrorIs(t, err, store.ErrNotFound, "code")
	_, err = st.LookupRefresh(ctx, "rt")
	assert.ErrorIs(t, err, store.ErrNotFound, "refresh token")
	_, err = st.RevokeRefresh(ctx, "rt")
	assert.ErrorIs(t, err, store.ErrNotFound, "refresh token")
	_, err = st.GetRecord(ctx, "rec")
	assert.ErrorIs(t, err, store.ErrNotFound, "record")
	listed, err := st.ListRecords(ctx, "")
	assert.NoError(t, err)
	assert.Empty(t, listed, "records")
	level, err := st.ReadLiveness(ctx, []string{"jti"}, nil, nil)
	assert.NoError(t, err)
	assert.Equal(t, store.MarkNone, level, "mark")
	cut := []uint64{42}
	_, err = st.ReadLiveness(ctx, nil, []string{"user:alice"}, cut)
	assert.NoError(t, err)
	assert.Zero(t, cut[0], "cut-off")
}
