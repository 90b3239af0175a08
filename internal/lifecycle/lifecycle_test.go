package lifecycle_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/memory"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

type world struct {
	l   *lifecycle.Lifecycle
	st  store.Store
	clk *clock.Controlled
	// families are the refresh records by family id, as a dialect's store
	// would hold them.
	families map[string]store.RefreshRecord
	// known are the tokens Resolve finds, by made-up value.
	known map[string]lifecycle.Facts
}

func newWorld(t testing.TB) *world {
	clk := clock.NewFrozen(t0)
	be := memory.New(clk, memory.WithSweepInterval(0))
	t.Cleanup(func() { _ = be.Close() })
	w := &world{st: be.Namespace("n"), clk: clk, families: map[string]store.RefreshRecord{}}
	w.l = lifecycle.New(lifecycle.Config{Store: w.st, Clock: clk, Sequence: clock.NewCounterSequence(), RefreshRevokesGrant: true, Resolve: w.resolve})
	return w
}

func (w *world) access(user, client, family string) lifecycle.Facts {
	f := w.l.NewAccess(user, client, family, w.clk.Now().Add(time.Hour))
	if family != "" {
		rec := w.families[family]
		rec.Access = append(rec.Access, f.Stamp())
		w.families[family] = rec
	}
	return f
}

func (w *world) family(user, client, id string) lifecycle.Facts {
	exp := w.clk.Now().Add(24 * time.Hour)
	seq := w.l.NewFamily(user, client, exp)
	rec := store.RefreshRecord{Grant: store.Grant{FamilyID: id, Username: user, ClientID: client, Seq: seq}, ExpiresAt: exp}
	w.families[id] = rec
	return lifecycle.RefreshFacts(rec)
}

// refresh returns a family's current facts, its access stamps included.
func (w *world) refresh(id string) lifecycle.Facts { return lifecycle.RefreshFacts(w.families[id]) }

func (w *world) state(t *testing.T, f lifecycle.Facts) lifecycle.State {
	t.Helper()
	if f.Kind == lifecycle.Refresh {
		f = w.refresh(f.Family)
	}
	s, err := w.l.Check(t.Context(), f)
	require.NoError(t, err)
	return s
}

// resolve finds the facts of a made-up token value in w.known; a refresh
// token's as its family is now.
func (w *world) resolve(_ context.Context, token string) (lifecycle.Facts, error) {
	if f, ok := w.known[token]; ok {
		if f.Kind == lifecycle.Refresh {
			return w.refresh(f.Family), nil
		}
		return f, nil
	}
	return lifecycle.Facts{}, provider.ErrUnknownToken
}

func TestJTI(t *testing.T) {
	w := newWorld(t)
	a := w.access("alice", "web", "")
	b := w.access("alice", "web", "")
	assert.Regexp(t, `^[0-9a-f]{32}$`, a.JTI)
	assert.NotEqual(t, a.JTI, b.JTI)
	seq, exp, _, ok := lifecycle.ParseJTI(a.JTI)
	require.True(t, ok)
	assert.Equal(t, a.Seq, seq)
	assert.Equal(t, t0.Add(time.Hour).Unix(), exp.Unix())
	f, ok := w.l.AccessFacts(a.JTI, "alice", "web", "", a.ExpiresAt)
	require.True(t, ok)
	assert.Equal(t, a, f)
	f, ok = w.l.AccessFacts(a.JTI, "", "web", "", a.ExpiresAt)
	require.True(t, ok)
	assert.Equal(t, "alice", f.Username, "a user the dialect could no longer name is found by the jti's tag")
	for _, bad := range []string{"", "x", "00000000000000000000000000000000", a.JTI[:31] + "g", a.JTI + "0", strings.ToUpper(a.JTI)} {
		_, _, _, ok := lifecycle.ParseJTI(bad)
		assert.False(t, ok, bad)
	}
}

func TestCheck(t *testing.T) {
	w := newWorld(t)
	at := w.access("alice", "web", "")
	assert.Equal(t, lifecycle.Live, w.state(t, at))
	w.clk.Advance(time.Hour)
	assert.Equal(t, lifecycle.Expired, w.state(t, at), "past its exp on the instance clock")
}

func TestRevokeAndExpireOne(t *testing.T) {
	ctx := context.Background()
	sel := func(f lifecycle.Facts) provider.TokenSelector { return provider.TokenSelector{JTI: f.JTI} }
	for _, tc := range []struct {
		name   string
		steps  []string // "revoke" or "expire"
		counts []int
		final  lifecycle.State
		// user is what revoking the user afterwards counts: the sibling,
		// and the token itself if it was only expired.
		user int
	}{
		{"revoke", []string{"revoke", "revoke"}, []int{1, 0}, lifecycle.Revoked, 1},
		{"expire", []string{"expire", "expire"}, []int{1, 0}, lifecycle.Expired, 2},
		{"revoking an expired token counts it", []string{"expire", "revoke", "revoke"}, []int{1, 1, 0}, lifecycle.Revoked, 1},
		{"a revoked token stays revoked", []string{"revoke", "expire"}, []int{1, 0}, lifecycle.Revoked, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			at := w.access("alice", "web", "")
			other := w.access("alice", "web", "")
			for i, step := range tc.steps {
				act := w.l.Revoke
				if step == "expire" {
					act = w.l.Expire
				}
				n, err := act(ctx, sel(at))
				require.NoError(t, err)
				assert.Equal(t, provider.Selected{AccessTokens: tc.counts[i]}, n, "step %d: %s", i, step)
			}
			assert.Equal(t, tc.final, w.state(t, at))
			assert.Equal(t, lifecycle.Live, w.state(t, other), "its sibling is untouched")
			n, err := w.l.Revoke(ctx, provider.TokenSelector{Username: "alice"})
			require.NoError(t, err)
			assert.Equal(t, provider.Selected{AccessTokens: tc.user}, n, "the user's count follows the token acted on alone")
		})
	}
}

func TestUnknownJTI(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	at := w.access("alice", "web", "")
	for _, jti := range []string{"nope", "00000000000000000000000000000000"} {
		_, err := w.l.Revoke(ctx, provider.TokenSelector{JTI: jti})
		assert.ErrorIs(t, err, provider.ErrUnknownToken, jti)
	}
	// A jti laid out right but of no pair this instance has seen since
	// its tally began (another instance's): unknown.
	other := newWorld(t)
	for range 3 {
		other.access("x", "y", "")
	}
	_, err := w.l.Revoke(ctx, provider.TokenSelector{JTI: other.access("x", "y", "").JTI})
	assert.ErrorIs(t, err, provider.ErrUnknownToken)

	w.clk.Advance(time.Hour)
	_, err = w.l.Revoke(ctx, provider.TokenSelector{JTI: at.JTI})
	assert.ErrorIs(t, err, provider.ErrUnknownToken, "an expired token is over: nothing to revoke")
}

func TestCutoffs(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	alice1 := w.access("alice", "web", "")
	aliceRT := w.family("alice", "web", "fam-a")
	alice2 := w.access("alice", "web", "fam-a")
	aliceOther := w.access("alice", "partner", "")
	bob := w.access("bob", "web", "")
	svc := w.access("", "svc", "")

	n, err := w.l.Expire(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 3}, n, "expire acts on access tokens only")
	for _, f := range []lifecycle.Facts{alice1, alice2, aliceOther} {
		assert.Equal(t, lifecycle.Expired, w.state(t, f))
	}
	assert.Equal(t, lifecycle.Live, w.state(t, aliceRT), "her refresh token still works")
	fresh := w.access("alice", "web", "fam-a")
	assert.Equal(t, lifecycle.Live, w.state(t, fresh), "a token issued after the call works, on a frozen clock too")

	n, err = w.l.Expire(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, n, "only the fresh one was live")

	n, err = w.l.Revoke(ctx, provider.TokenSelector{ClientID: "web"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 4, RefreshTokens: 1}, n, "bob's token, alice's three expired ones at web, and her family")
	for _, f := range []lifecycle.Facts{alice1, alice2, fresh, bob, aliceRT} {
		assert.Equal(t, lifecycle.Revoked, w.state(t, f))
	}
	assert.Equal(t, lifecycle.Expired, w.state(t, aliceOther), "another client's token is only expired")
	assert.Equal(t, lifecycle.Live, w.state(t, svc))

	n, err = w.l.Revoke(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, n, "the client's revocation already took hers at web; the expired one at partner is revoked now")
	n, err = w.l.Revoke(ctx, provider.TokenSelector{ClientID: "svc"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, n)
}

func TestRevokeGrantByRefreshToken(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rt := w.family("alice", "web", "fam")
	at1 := w.access("alice", "web", "fam")
	at2 := w.access("alice", "web", "fam")
	w.clk.Advance(50 * time.Minute)
	at3 := w.access("alice", "web", "fam")
	w.clk.Advance(20 * time.Minute) // at1 and at2 have expired
	loose := w.access("alice", "web", "")
	w.known = map[string]lifecycle.Facts{"rt": rt}

	n, err := w.l.Revoke(ctx, provider.TokenSelector{Token: "rt"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1, RefreshTokens: 1}, n, "the grant's live access token and its family")
	assert.Equal(t, lifecycle.Revoked, w.state(t, rt))
	assert.Equal(t, lifecycle.Revoked, w.state(t, at3))
	assert.Equal(t, lifecycle.Expired, w.state(t, at1))
	assert.Equal(t, lifecycle.Expired, w.state(t, at2))
	assert.Equal(t, lifecycle.Live, w.state(t, loose), "a token outside the grant lives on")

	n, err = w.l.Revoke(ctx, provider.TokenSelector{Token: "rt"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, n)
	n, err = w.l.Revoke(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1}, n, "only the loose token was left")
}

func TestExpireRefreshToken(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rt := w.family("alice", "web", "fam")
	at := w.access("alice", "web", "fam")
	w.known = map[string]lifecycle.Facts{"rt": rt}
	n, err := w.l.Expire(ctx, provider.TokenSelector{Token: "rt"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{RefreshTokens: 1}, n)
	assert.Equal(t, lifecycle.Expired, w.state(t, rt))
	assert.Equal(t, lifecycle.Live, w.state(t, at), "the grant's access tokens are left alone")
	n, err = w.l.Revoke(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{AccessTokens: 1, RefreshTokens: 1}, n, "the expired family is revoked and counted")
	assert.Equal(t, lifecycle.Revoked, w.state(t, rt))
}

func TestRotation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rt := w.family("alice", "web", "fam")
	w.clk.Advance(23 * time.Hour)
	moved := w.clk.Now().Add(24 * time.Hour)
	w.l.Rotated(rt, moved)
	rec := w.families["fam"]
	rec.ExpiresAt = moved
	w.families["fam"] = rec
	w.clk.Advance(2 * time.Hour) // past the family's first expiry
	n, err := w.l.Revoke(ctx, provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{RefreshTokens: 1}, n, "counted at its new expiry")
}

func TestRevokeGrantByID(t *testing.T) {
	w := newWorld(t)
	at := w.access("alice", "web", "code-grant")
	require.NoError(t, w.l.RevokeGrant(t.Context(), "code-grant"))
	assert.Equal(t, lifecycle.Revoked, w.state(t, at))
}

// TestIssuanceRacingRevoke: a user revoked while her tokens are being
// issued loses exactly the tokens issued before the call, and the call
// counts exactly those.
func TestIssuanceRacingRevoke(t *testing.T) {
	for round := range 10 {
		w := newWorld(t)
		const goroutines, each = 8, 200
		issued := make([][]lifecycle.Facts, goroutines)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range goroutines {
			wg.Go(func() {
				<-start
				for range each {
					issued[g] = append(issued[g], w.access("alice", "web", ""))
				}
			})
		}
		var n provider.Selected
		wg.Go(func() {
			<-start
			var err error
			n, err = w.l.Revoke(context.Background(), provider.TokenSelector{Username: "alice"})
			assert.NoError(t, err)
		})
		close(start)
		wg.Wait()
		revoked := 0
		for _, fs := range issued {
			for _, f := range fs {
				if w.state(t, f) == lifecycle.Revoked {
					revoked++
				}
			}
		}
		require.Equal(t, revoked, n.AccessTokens, "round %d", round)
		again, err := w.l.Revoke(context.Background(), provider.TokenSelector{Username: "alice"})
		require.NoError(t, err)
		require.Equal(t, goroutines*each-revoked, again.AccessTokens, fmt.Sprint("round ", round))
	}
}

func TestReset(t *testing.T) {
	w := newWorld(t)
	w.access("alice", "web", "")
	w.l.Reset()
	n, err := w.l.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	assert.Equal(t, provider.Selected{}, n)
}

// TestResolverMayReadFacts: a dialect's Resolver reads a token's facts
// while the admin call holds the lifecycle; naming a deleted user (whose
// name the dialect can no longer give) must not wait on it.
func TestResolverMayReadFacts(t *testing.T) {
	w := newWorld(t)
	at := w.access("alice", "web", "")
	w.l = lifecycle.New(lifecycle.Config{Store: w.st, Clock: w.clk, Sequence: clock.NewCounterSequence(),
		Resolve: func(context.Context, string) (lifecycle.Facts, error) {
			f, _ := w.l.AccessFacts(at.JTI, "", "web", "", at.ExpiresAt)
			return f, nil
		}})
	w.l.NewAccess("alice", "web", "", at.ExpiresAt) // the new tally knows alice's pair
	done := make(chan provider.Selected, 1)
	go func() {
		n, err := w.l.Revoke(context.Background(), provider.TokenSelector{Token: "by-value"})
		assert.NoError(t, err)
		done <- n
	}()
	select {
	case n := <-done:
		assert.Equal(t, provider.Selected{AccessTokens: 1}, n)
	case <-time.After(10 * time.Second):
		t.Fatal("revoking by token waited for itself")
	}
}

// TestGrantMarkOutlivesIDTokens: the mark of a grant without a refresh
// family lasts as long as the longest token that dies by it, an ID token
// included (NoteLifetime), and as MarkFloor after a restart, when this
// process has issued nothing; past both clocks the mark is gone.
func TestGrantMarkOutlivesIDTokens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(l *lifecycle.Lifecycle)
		floor time.Duration
	}{
		{"an ID token noted at issuance", func(l *lifecycle.Lifecycle) {
			l.NewAccess("alice", "web", "g", t0.Add(5*time.Minute))
			l.NoteLifetime(2 * time.Hour)
		}, 0},
		{"the floor, nothing issued since a restart", func(*lifecycle.Lifecycle) {}, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk, wall := clock.NewFrozen(t0), clock.NewFrozen(t0)
			be := memory.New(clk, memory.WithSweepInterval(0), memory.WithSweepEvery(1), memory.WithWallClock(wall))
			t.Cleanup(func() { _ = be.Close() })
			st := be.Namespace("n")
			l := lifecycle.New(lifecycle.Config{Store: st, Clock: clk, Sequence: clock.NewCounterSequence(), MarkFloor: tc.floor})
			tc.setup(l)
			require.NoError(t, l.RevokeGrant(t.Context(), "g"))

			sweep := func(d time.Duration) {
				clk.Advance(d)
				wall.Advance(d)
				// A write runs the sweep (every write, WithSweepEvery(1)).
				require.NoError(t, st.PutCode(t.Context(), "c"+d.String(), store.Grant{ClientID: "web"}, clk.Now().Add(time.Minute)))
			}
			sweep(time.Hour) // past the access token's 5 minutes
			revoked, err := l.GrantRevoked(t.Context(), "g")
			require.NoError(t, err)
			assert.True(t, revoked, "an ID token of 2 h is still out")

			sweep(2 * time.Hour)
			revoked, err = l.GrantRevoked(t.Context(), "g")
			require.NoError(t, err)
			assert.False(t, revoked, "the mark is returned once nothing it kills can verify")
		})
	}
}
