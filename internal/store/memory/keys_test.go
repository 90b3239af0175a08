package memory

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

func TestTokenKeyIsASaltedSHA256(t *testing.T) {
	a, b := newSalt(), newSalt()
	require.NotEqual(t, a, b, "every namespace draws its own salt")

	const token = "2YotnFZFEjr1zCsicMWpAA"
	sum := sha256.Sum256([]byte(string(a[:]) + "t" + token))
	assert.Equal(t, hashKey(sum[:16]), a.tokenKey(token), "the first 128 bits of SHA-256(salt, domain, token)")
	assert.Equal(t, a.tokenKey(token), a.tokenKey(strings.Clone(token)), "the same token finds the same entry")
	assert.NotEqual(t, a.tokenKey(token), b.tokenKey(token), "another namespace's salt gives another key")
	assert.NotEqual(t, a.tokenKey(token), a.tokenKey(token[:len(token)-1]+"B"), "one character apart")
	assert.NotEqual(t, a.tokenKey(token), a.hash(domainFamily, token), "a token and a family id never share a key")
	long := strings.Repeat("x", 500) // past the stack buffer
	assert.Equal(t, hashKey(sha256Prefix(a, 't', long)), a.tokenKey(long))
}

func sha256Prefix(s salt, domain byte, text string) [16]byte {
	sum := sha256.Sum256(append(append(s[:], domain), text...))
	return [16]byte(sum[:16])
}

func TestFamilyKey(t *testing.T) {
	s := newSalt()
	for _, tc := range []struct {
		id    string
		named bool
	}{
		{"0123456789abcdef0123456789abcdef", false}, // provider.Deps.RandomHex(16)
		{"0123456789ABCDEF0123456789ABCDEF", true},  // upper case would not re-encode to itself
		{"0123456789abcdef0123456789abcde", true},
		{"fam-1", true},
		{"", true},
	} {
		k, named := s.familyKey(tc.id)
		assert.Equal(t, tc.named, named, "%q", tc.id)
		if named {
			assert.Equal(t, s.hash(domainFamily, tc.id), k, "%q", tc.id)
		}
		f := (&namespace{salt: s}).newFamily(tc.id)
		assert.Equal(t, tc.id, f.id(), "the id comes back as given")
	}
}

func TestTimesKeptAsNanoseconds(t *testing.T) {
	t1 := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	assert.True(t, t1.Equal(expiryTime(expiryOf(t1))))
	assert.True(t, t1.Equal(instantTime(instantOf(t1))))
	assert.Equal(t, time.UTC, expiryTime(expiryOf(t1)).Location())
	assert.Equal(t, int64(forever), expiryOf(time.Time{}), "a zero expiry never expires")
	assert.True(t, expiryTime(forever).IsZero())
	assert.True(t, instantTime(instantOf(time.Time{})).IsZero())
	epoch := time.Unix(0, 0)
	assert.True(t, epoch.Equal(instantTime(instantOf(epoch))), "the epoch is not the zero time")

	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Less(t, expiryOf(far), int64(forever), "a far expiry is clamped, not made forever")
	assert.False(t, expired(nanos(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)), expiryOf(far)))
	assert.Equal(t, int64(unset+1), instantOf(time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)), "an early time is clamped, not made zero")
}

// TestPrincipalsAreReleased: the intern table holds a principal exactly
// while a token names it, so sweeping and resetting empty it.
func TestPrincipalsAreReleased(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.NewFrozen(t0)
	b := New(clk, WithSweepInterval(0))
	ns := b.namespace("n")
	principals := func() int {
		ns.mu.Lock()
		defer ns.mu.Unlock()
		return len(ns.principals)
	}
	rec := func(family, client string, exp time.Duration, scopes ...string) store.RefreshRecord {
		return store.RefreshRecord{Grant: store.Grant{FamilyID: family, ClientID: client, Username: "alice", Scopes: scopes}, ExpiresAt: t0.Add(exp)}
	}
	require.NoError(t, ns.IssueRefresh(ctx, "a", rec("f1", "web", time.Hour, "openid", "offline_access")))
	require.NoError(t, ns.IssueRefresh(ctx, "b", rec("f2", "web", time.Hour, "openid", "offline_access")))
	require.NoError(t, ns.IssueRefresh(ctx, "c", rec("f3", "cli", 2*time.Hour, "openid")))
	assert.Equal(t, 2, principals(), "two families of one user at one client share their principal")

	_, err := ns.RotateRefresh(ctx, "a", "a2", func(r store.RefreshRecord) (store.RefreshRecord, error) {
		r.Grant.Scopes = []string{"openid"} // narrowed
		r.ExpiresAt = t0.Add(3 * time.Hour)
		return r, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, principals())
	got, err := ns.LookupRefresh(ctx, "a")
	require.ErrorIs(t, err, store.ErrReused)
	assert.Equal(t, []string{"openid", "offline_access"}, got.Grant.Scopes, "a retired token keeps its own grant")
	got, err = ns.LookupRefresh(ctx, "a2")
	require.NoError(t, err)
	assert.Equal(t, []string{"openid"}, got.Grant.Scopes)

	clk.Advance(time.Hour)
	b.SweepAll()
	assert.Equal(t, 2, principals(), "b's principal went with it; a's retired token is gone too")
	clk.Advance(time.Hour)
	b.SweepAll()
	assert.Equal(t, 1, principals())
	require.NoError(t, ns.IssueRefresh(ctx, "d", rec("f4", "web", time.Hour, "profile")))
	assert.Equal(t, 2, principals())
	require.NoError(t, b.Reset(ctx, "n"))
	assert.Equal(t, 0, principals(), "a reset empties the table")
}
