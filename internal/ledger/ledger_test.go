package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/ledger"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newLedger(t *testing.T) (*ledger.Ledger, *clock.Controlled) {
	t.Helper()
	clk := clock.NewFrozen(t0)
	b := memory.New(clk)
	t.Cleanup(func() { _ = b.Close() })
	return ledger.New(b.Namespace("test")), clk
}

func TestSelectRevokeExpire(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	hour := t0.Add(time.Hour)
	entries := []ledger.Entry{
		{Kind: ledger.Access, ID: "a1", Username: "alice", ClientID: "web", ExpiresAt: hour},
		{Kind: ledger.Refresh, ID: "f1", Username: "alice", ClientID: "web"},
		{Kind: ledger.Access, ID: "b1", Username: "bob", ClientID: "web", ExpiresAt: hour},
		{Kind: ledger.Access, ID: "s1", ClientID: "service", ExpiresAt: hour},
	}
	for _, e := range entries {
		require.NoError(t, l.Record(ctx, e))
	}

	alice, err := l.Select(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.ElementsMatch(t, entries[:2], alice)

	web, err := l.Select(ctx, provider.TokenSelector{ClientID: "web"})
	require.NoError(t, err)
	assert.Len(t, web, 3)

	one, err := l.Select(ctx, provider.TokenSelector{JTI: "s1"})
	require.NoError(t, err)
	assert.Equal(t, entries[3:], one)

	_, err = l.Select(ctx, provider.TokenSelector{JTI: "nope"})
	assert.ErrorIs(t, err, provider.ErrUnknownToken)
	_, err = l.Select(ctx, provider.TokenSelector{JTI: "f1"}) // a jti names an access token only
	assert.ErrorIs(t, err, provider.ErrUnknownToken)

	n, err := l.Expire(ctx, ledger.AccessOnly(alice))
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, n)
	assertStatus(t, l, ledger.Access, "a1", ledger.Expired)
	assertStatus(t, l, ledger.Refresh, "f1", ledger.Live)
	assertStatus(t, l, ledger.Access, "b1", ledger.Live)

	n, err = l.Revoke(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1, RefreshTokens: 1}, n)
	assertStatus(t, l, ledger.Access, "a1", ledger.Revoked)
	assertStatus(t, l, ledger.Refresh, "f1", ledger.Revoked)
	assertStatus(t, l, ledger.Access, "never-recorded", ledger.Live)
}

func TestTokensIssuedAfterACallAreUntouched(t *testing.T) {
	// On a frozen clock a later token has the same iat as a revoked one;
	// only its id tells them apart.
	ctx := context.Background()
	l, _ := newLedger(t)
	require.NoError(t, l.Record(ctx, ledger.Entry{Kind: ledger.Access, ID: "old", Username: "alice", ExpiresAt: t0.Add(time.Hour)}))
	sel, err := l.Select(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	_, err = l.Revoke(ctx, sel)
	require.NoError(t, err)
	require.NoError(t, l.Record(ctx, ledger.Entry{Kind: ledger.Access, ID: "new", Username: "alice", ExpiresAt: t0.Add(time.Hour)}))
	assertStatus(t, l, ledger.Access, "old", ledger.Revoked)
	assertStatus(t, l, ledger.Access, "new", ledger.Live)
}

func TestEntriesAreForgottenWhenTheTokenExpires(t *testing.T) {
	ctx := context.Background()
	l, clk := newLedger(t)
	require.NoError(t, l.Record(ctx, ledger.Entry{Kind: ledger.Access, ID: "a", Username: "alice", ExpiresAt: t0.Add(time.Minute)}))
	sel, err := l.Select(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	_, err = l.Revoke(ctx, sel)
	require.NoError(t, err)

	clk.Advance(2 * time.Minute)
	_, err = l.Lookup(ctx, ledger.Access, "a")
	assert.ErrorIs(t, err, provider.ErrUnknownToken)
	sel, err = l.Select(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Empty(t, sel)
}

func TestRevokedStaysRevokedWhenExpired(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	e := ledger.Entry{Kind: ledger.Access, ID: "a", ExpiresAt: t0.Add(time.Hour)}
	require.NoError(t, l.Record(ctx, e))
	_, err := l.Revoke(ctx, []ledger.Entry{e})
	require.NoError(t, err)
	_, err = l.Expire(ctx, []ledger.Entry{e})
	require.NoError(t, err)
	assertStatus(t, l, ledger.Access, "a", ledger.Revoked)
}

func TestCountsOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	a := ledger.Entry{Kind: ledger.Access, ID: "a", ExpiresAt: t0.Add(time.Hour)}
	r := ledger.Entry{Kind: ledger.Refresh, ID: "r"}
	for _, tt := range []struct {
		name string
		act  func(context.Context, []ledger.Entry) (provider.Selected, error)
		want provider.Selected
	}{
		{"expire", l.Expire, provider.Selected{AccessTokens: 1, RefreshTokens: 1}},
		{"expire again", l.Expire, provider.Selected{}},
		{"revoke an expired token", l.Revoke, provider.Selected{AccessTokens: 1, RefreshTokens: 1}},
		{"revoke again", l.Revoke, provider.Selected{}},
		{"expire a revoked token", l.Expire, provider.Selected{}},
	} {
		n, err := tt.act(ctx, []ledger.Entry{a, r})
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, n, tt.name)
	}
	assertStatus(t, l, ledger.Refresh, "r", ledger.Revoked)
}

func BenchmarkStatus(b *testing.B) {
	ctx := context.Background()
	clk := clock.NewFrozen(t0)
	be := memory.New(clk)
	defer be.Close()
	l := ledger.New(be.Namespace("bench"))
	e := ledger.Entry{Kind: ledger.Access, ID: "0123456789abcdef0123456789abcdef", Username: "alice", ExpiresAt: t0.Add(time.Hour)}
	if err := l.Record(ctx, e); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if st, err := l.Status(ctx, ledger.Access, e.ID); err != nil || st != ledger.Live {
			b.Fatal(st, err)
		}
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	a := ledger.Entry{Kind: ledger.Access, ID: "a", Username: "alice", ExpiresAt: t0.Add(time.Hour)}
	require.NoError(t, l.Record(ctx, a))
	var asked []string
	byToken := ledger.One(func(_ context.Context, token string) (ledger.Entry, error) {
		asked = append(asked, token)
		if token != "tok-a" {
			return ledger.Entry{}, provider.ErrUnknownToken
		}
		return a, nil
	})
	got, err := l.Resolve(ctx, provider.TokenSelector{Token: "tok-a"}, byToken)
	require.NoError(t, err)
	assert.Equal(t, []ledger.Entry{a}, got)
	_, err = l.Resolve(ctx, provider.TokenSelector{Token: "other"}, byToken)
	assert.ErrorIs(t, err, provider.ErrUnknownToken)
	got, err = l.Resolve(ctx, provider.TokenSelector{Username: "alice"}, byToken)
	require.NoError(t, err)
	assert.Equal(t, []ledger.Entry{a}, got)
	_, err = l.Resolve(ctx, provider.TokenSelector{Token: "tok-a", JTI: "a"}, byToken)
	assert.Error(t, err, "two selectors")
	assert.Equal(t, []string{"tok-a", "other"}, asked, "only a token selector asks the dialect")
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	assert.Error(t, l.Record(ctx, ledger.Entry{Kind: ledger.Access}))
	assert.Error(t, l.Record(ctx, ledger.Entry{ID: "x"}))
	for _, sel := range []provider.TokenSelector{{}, {Username: "a", ClientID: "b"}, {Token: "t"}} {
		_, err := l.Select(ctx, sel)
		assert.Error(t, err, "%+v", sel)
	}
}

func assertStatus(t *testing.T, l *ledger.Ledger, k ledger.Kind, id string, want ledger.Status) {
	t.Helper()
	got, err := l.Status(context.Background(), k, id)
	require.NoError(t, err)
	assert.Equal(t, want, got, "%s %s is %s, want %s", k, id, got, want)
}
