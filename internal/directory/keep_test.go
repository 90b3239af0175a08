package directory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/bbolt"
	"github.com/authmock/authmock/internal/store/memory"
	"github.com/authmock/authmock/internal/store/redis"
)

// kind is one backend as the keeper tests use it: open returns the
// instance's namespace as a new process would see it, shared tells whether
// two processes can use it at once (Redis) or only one after the other.
type kind struct {
	name   string
	open   func(t *testing.T) store.Store
	shared bool
}

var redisPrefixes atomic.Int64

// kinds returns the three backends. memory and file have one process at a
// time: open hands out the one namespace (memory) or closes the file and
// opens it again (file), as a restart does; Redis opens another client,
// as a replica does.
func kinds(t *testing.T) []kind {
	clk := clock.NewFrozen(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	return []kind{
		{name: "memory", open: func() func(t *testing.T) store.Store {
			var b *memory.Backend
			return func(t *testing.T) store.Store {
				if b == nil {
					b = memory.New(clk)
					t.Cleanup(func() { _ = b.Close() })
				}
				return b.Namespace("oidc")
			}
		}()},
		{name: "file", open: func() func(t *testing.T) store.Store {
			var (
				path string
				b    *bbolt.Backend
			)
			return func(t *testing.T) store.Store {
				if path == "" {
					path = filepath.Join(t.TempDir(), "fixtures.db")
				}
				if b != nil {
					require.NoError(t, b.Close())
				}
				var err error
				b, err = bbolt.Open(path, clk, bbolt.WithNoSync())
				require.NoError(t, err)
				last := b
				t.Cleanup(func() { _ = last.Close() })
				return b.Namespace("oidc")
			}
		}()},
		{name: "redis", shared: true, open: func() func(t *testing.T) store.Store {
			var url string
			return func(t *testing.T) store.Store {
				if url == "" {
					url = fmt.Sprintf("%s?prefix=keep-%d:", redistest.Start(t), redisPrefixes.Add(1))
				}
				b, err := redis.Open(t.Context(), url, clk)
				require.NoError(t, err)
				t.Cleanup(func() { _ = b.Close() })
				return b.Namespace("oidc")
			}
		}()},
	}
}

// configured is the instance's configuration: what every process starts
// from.
func configured() *directory.Directory {
	return directory.New(
		[]fixtures.Client{{ID: "web", Secret: "web-secret", RedirectURIs: []string{"https://app.example/cb"}, DefaultUser: "alice"}},
		[]fixtures.User{{Username: "alice", Password: "alice-pw"}, {Username: "bob", Password: "bob-pw", Subject: "sub-bob"}},
	)
}

// process starts an editor on st as a provider does.
func process(t *testing.T, st store.Store) *directory.Editor {
	t.Helper()
	d := configured()
	k, err := directory.Keep(st, nil, d)
	require.NoError(t, err)
	return &directory.Editor{Dir: d, Keep: k}
}

// change makes the same three changes in every test: a client added,
// alice's password changed, bob deleted.
func change(t *testing.T, e *directory.Editor) {
	t.Helper()
	ctx := context.Background()
	_, err := e.PutFixture(ctx, directory.KindClients, "added", json.RawMessage(`{"secret":"added-secret","grant_types":["client_credentials"]}`))
	require.NoError(t, err)
	_, err = e.PutFixture(ctx, directory.KindUsers, "alice", json.RawMessage(`{"password":"new-pw"}`))
	require.NoError(t, err)
	require.NoError(t, e.DeleteFixture(ctx, directory.KindUsers, "bob"))
}

// seesChanges reports whether d holds the three changes of change.
func seesChanges(d *directory.Directory) bool {
	c, added := d.LookupClient(context.Background(), "added")
	_, newPW := d.CheckPassword("alice", "new-pw")
	_, bob := d.User("bob")
	return added && c.Secret == "added-secret" && newPW && !bob
}

// seesConfigured reports whether d holds the configured fixtures only.
func seesConfigured(d *directory.Directory) bool {
	_, added := d.LookupClient(context.Background(), "added")
	_, oldPW := d.CheckPassword("alice", "alice-pw")
	_, bob := d.UserBySubject("sub-bob")
	return !added && oldPW && bob && len(d.Clients()) == 1 && len(d.Users()) == 2
}

// Changes made through the editor are in the store: the next process on
// it (a restart on a file, a replica on Redis) starts with them.
func TestKeptChangesOutliveTheProcess(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			a := process(t, k.open(t))
			change(t, a)
			require.True(t, seesChanges(a.Dir))

			b := process(t, k.open(t))
			assert.True(t, seesChanges(b.Dir), "the next process starts with the changes")
			assert.Len(t, b.Dir.Clients(), 2, "and the configured client")
		})
	}
}

// The overlay holds differences only: a configuration edited between two
// starts still applies beneath the changes.
func TestKeptChangesApplyOverAnEditedConfiguration(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			change(t, process(t, k.open(t)))

			d := directory.New(
				[]fixtures.Client{{ID: "web", Secret: "rotated-secret", RedirectURIs: []string{"https://app.example/cb"}, DefaultUser: "alice"}},
				[]fixtures.User{{Username: "alice", Password: "alice-pw"}, {Username: "bob", Password: "bob-pw"}, {Username: "dave", Password: "dave-pw"}},
			)
			_, err := directory.Keep(k.open(t), nil, d)
			require.NoError(t, err)
			assert.True(t, seesChanges(d))
			web, _ := d.LookupClient(context.Background(), "web")
			assert.Equal(t, "rotated-secret", web.Secret, "an unchanged client is the configured one")
			_, dave := d.CheckPassword("dave", "dave-pw")
			assert.True(t, dave, "a user added to the configuration is there")
		})
	}
}

// Another process's changes reach a running one: on Redis by itself within
// moments, on a store of one process at a time by Sync.
func TestKeptChangesReachARunningReplica(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			st := k.open(t)
			a := process(t, st)
			if k.shared {
				st = k.open(t) // another replica
			}
			b := process(t, st)
			change(t, a)
			if k.shared {
				assert.Eventually(t, func() bool { return seesChanges(b.Dir) }, 5*time.Second, 5*time.Millisecond, "B hears of A's changes")
			} else {
				require.NoError(t, b.Keep.Sync(t.Context()))
				assert.True(t, seesChanges(b.Dir))
			}

			require.NoError(t, a.Reset(t.Context()))
			assert.True(t, seesConfigured(a.Dir), "A is back to the configuration")
			if k.shared {
				assert.Eventually(t, func() bool { return seesConfigured(b.Dir) }, 5*time.Second, 5*time.Millisecond, "and so is B")
			} else {
				require.NoError(t, b.Keep.Sync(t.Context()))
				assert.True(t, seesConfigured(b.Dir))
			}
			assert.True(t, seesConfigured(process(t, k.open(t)).Dir), "and the next process")
		})
	}
}

// Two processes changing fixtures at once lose none of each other's
// changes: a change commits only on the record it was made on.
func TestKeptChangesRaceWithoutLoss(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			st := k.open(t)
			a := process(t, st)
			if k.shared {
				st = k.open(t)
			}
			b := process(t, st)
			const each = 16
			var wg sync.WaitGroup
			for i := range 2 * each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					e := []*directory.Editor{a, b}[i%2]
					_, err := e.PutFixture(context.Background(), directory.KindUsers, fmt.Sprintf("user-%02d", i), json.RawMessage(`{"password":"pw"}`))
					assert.NoError(t, err)
				}()
			}
			wg.Wait()
			for _, e := range []*directory.Editor{a, b} {
				require.NoError(t, e.Keep.Sync(t.Context()))
				assert.Len(t, e.Dir.Users(), 2+2*each)
			}
			assert.Len(t, process(t, k.open(t)).Dir.Users(), 2+2*each, "the next process has every user")
		})
	}
}

// A check that reads the other items (no two users with one subject) holds
// across processes: of eight users taking one subject at once through two
// processes, one gets it.
func TestKeptChecksSeeTheOtherProcess(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			st := k.open(t)
			a := process(t, st)
			if k.shared {
				st = k.open(t)
			}
			b := process(t, st)
			const n = 8
			var (
				wg      sync.WaitGroup
				won     atomic.Int32
				refused atomic.Int32
			)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					e := []*directory.Editor{a, b}[i%2]
					_, err := e.PutFixture(context.Background(), directory.KindUsers, fmt.Sprintf("claimant-%d", i), json.RawMessage(`{"password":"pw","subject":"contested"}`))
					var fe *provider.FixtureError
					switch {
					case err == nil:
						won.Add(1)
					case assert.ErrorAs(t, err, &fe):
						refused.Add(1)
						assert.Equal(t, "subject", fe.Problems[0].Path)
					}
				}()
			}
			wg.Wait()
			assert.Equal(t, int32(1), won.Load(), "one user gets the subject")
			assert.Equal(t, int32(n-1), refused.Load())
			d := process(t, k.open(t)).Dir
			assert.Len(t, d.Users(), 3, "the next process has the configured users and the winner")
		})
	}
}

// A refused change is neither kept nor left in the process.
func TestKeptRefusalChangesNothing(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			st := k.open(t)
			a := process(t, st)
			_, err := a.PutFixture(t.Context(), directory.KindClients, "bad", json.RawMessage(`{"secret":"s","default_user":"nobody"}`))
			var fe *provider.FixtureError
			require.ErrorAs(t, err, &fe)
			err = a.DeleteFixture(t.Context(), directory.KindUsers, "alice")
			require.ErrorAs(t, err, &fe, "alice is web's default_user")
			assert.True(t, seesConfigured(a.Dir))
			_, err = st.GetRecord(t.Context(), "fixtures/overlay")
			assert.ErrorIs(t, err, store.ErrNotFound, "nothing was stored")
		})
	}
}

// A stored overlay that cannot be read is a start-up error, not a silent
// return to the configuration.
func TestKeptBadRecordIsAStartError(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			st := k.open(t)
			require.NoError(t, st.PutRecord(t.Context(), "fixtures/overlay", []byte(`{"rev":"x","kinds":{"users":{"eve":"not a user"}}}`), time.Time{}))
			_, err := directory.Keep(st, nil, configured())
			require.Error(t, err)
			assert.Contains(t, err.Error(), `runtime fixture changes: the stored overlay: users "eve": json: cannot unmarshal string`)
		})
	}
}

// failingUpdates is a store whose UpdateRecord fails: Redis gone, say.
type failingUpdates struct{ store.Store }

var errStoreDown = errors.New("store down")

func (failingUpdates) UpdateRecord(context.Context, string, func([]byte, bool) ([]byte, time.Time, error)) error {
	return errStoreDown
}

// A change the store cannot keep fails and is undone: the process does
// not answer with fixtures no other process (or restart) would have.
func TestKeptChangeFailsWithTheStore(t *testing.T) {
	clk := clock.NewFrozen(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	b := memory.New(clk)
	t.Cleanup(func() { _ = b.Close() })
	var revoked []provider.TokenSelector
	e := process(t, failingUpdates{b.Namespace("oidc")})
	e.Revoke = func(_ context.Context, sel provider.TokenSelector) error {
		revoked = append(revoked, sel)
		return nil
	}
	_, err := e.PutFixture(t.Context(), directory.KindClients, "added", json.RawMessage(`{"secret":"s"}`))
	require.ErrorIs(t, err, errStoreDown)
	_, err = e.PutFixture(t.Context(), directory.KindUsers, "alice", json.RawMessage(`{"password":"new-pw"}`))
	require.ErrorIs(t, err, errStoreDown)
	require.ErrorIs(t, e.DeleteFixture(t.Context(), directory.KindUsers, "bob"), errStoreDown)
	assert.True(t, seesConfigured(e.Dir), "every change was undone")
	assert.Empty(t, revoked, "a deletion that was not kept revokes nothing")
}

// A replica that missed an announcement (pub/sub delivers at most once)
// catches up at the store's next recheck.
func TestKeptChangesReachAReplicaThatMissedTheNotice(t *testing.T) {
	url := fmt.Sprintf("%s?prefix=missed-%d:", redistest.Start(t), redisPrefixes.Add(1))
	clk := clock.NewFrozen(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	open := func(opts ...redis.Option) store.Store {
		b, err := redis.Open(t.Context(), url, clk, opts...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = b.Close() })
		return b.Namespace("oidc")
	}
	b := process(t, open(redis.WithWatchRecheck(20*time.Millisecond)))

	// Another process's change, made without its announcement: its store
	// is not seen as shared.
	other := configured()
	change(t, &directory.Editor{Dir: other, Keep: mustKeep(t, struct{ store.Store }{open()}, other)})
	assert.Eventually(t, func() bool { return seesChanges(b.Dir) }, 5*time.Second, 5*time.Millisecond, "B rebuilt at its recheck")
}

func mustKeep(t *testing.T, st store.Store, cols ...directory.Collection) *directory.Keeper {
	t.Helper()
	k, err := directory.Keep(st, nil, cols...)
	require.NoError(t, err)
	return k
}
