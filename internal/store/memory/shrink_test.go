package memory

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

// TestSweepGivesRefreshMemoryBack: once a burst of logins has expired and
// been swept, the namespace holds no slots, heap capacity or interned
// principals sized for the burst.
func TestSweepGivesRefreshMemoryBack(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.NewFrozen(t0)
	b := New(clk, WithSweepInterval(0))
	ns := b.namespace("n")
	const n = 20 * shrinkMin
	for i := range n {
		rec := store.RefreshRecord{
			Grant:     store.Grant{FamilyID: fmt.Sprintf("%032x", i), ClientID: fmt.Sprint("client-", i%7), Username: "alice", Scopes: []string{"openid"}},
			ExpiresAt: t0.Add(time.Hour),
		}
		require.NoError(t, ns.IssueRefresh(ctx, fmt.Sprint("rt-", i), rec))
	}
	require.NoError(t, ns.IssueRefresh(ctx, "stays", store.RefreshRecord{Grant: store.Grant{FamilyID: "fam"}}))
	ns.mu.Lock()
	require.Equal(t, n+1, ns.tokens.len())
	require.Greater(t, len(ns.tokens.slots), n)
	require.Len(t, ns.principals, 8)
	ns.mu.Unlock()

	clk.Advance(time.Hour)
	b.SweepAll()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	assert.Equal(t, 1, ns.tokens.len())
	assert.Equal(t, 1, ns.families.len())
	assert.LessOrEqual(t, len(ns.tokens.slots), shrinkMin)
	assert.LessOrEqual(t, len(ns.families.slots), shrinkMin)
	assert.LessOrEqual(t, cap(ns.liveTokens), shrinkMin)
	assert.Len(t, ns.principals, 1, "only the remaining token's principal")
	got, ok := ns.tokens.get(ns.salt.tokenKey("stays"))
	require.True(t, ok, "the live token survives the rebuild")
	assert.Equal(t, "fam", got.fam.id())
}
