package storetest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/store"
)

const (
	goroutines = 64
	// rounds repeats each race, each time on a fresh backend, so that an
	// unlucky interleaving has many chances to show up (and -race many
	// chances to see it).
	rounds = 20
)

// race runs fn(i) for i in [0, goroutines) at once, released together so
// that they really contend, and waits for all of them.
func race(fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range goroutines {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// tally counts nil errors and errors matching want; anything else is
// reported.
func tally(t *testing.T, errs []error, want error) (wins, losses int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case assert.ErrorIs(t, err, want, "goroutine %d", i):
			losses++
		}
	}
	return wins, losses
}

func testConcurrency(t *testing.T, newBackend factory) {
	t.Run("exactly one concurrent consume wins", func(t *testing.T) {
		for round := range rounds {
			f := setup(t, newBackend)
			require.NoError(t, f.st.PutCode(f.ctx, "code", grant("fam"), t0.Add(time.Minute)))

			errs := make([]error, goroutines)
			grants := make([]store.Grant, goroutines)
			race(func(i int) { grants[i], errs[i] = f.st.ConsumeCode(f.ctx, "code", nil) })

			wins, losses := tally(t, errs, store.ErrConsumed)
			require.Equal(t, 1, wins, "round %d: winners", round)
			require.Equal(t, goroutines-1, losses, "round %d: ErrConsumed", round)
			for i, g := range grants {
				require.Equal(t, grant("fam"), g, "round %d goroutine %d: every answer carries the grant", round, i)
			}
		}
	})

	t.Run("exactly one concurrent rotation wins and the rest are reuse", func(t *testing.T) {
		next := func(i int) string { return fmt.Sprintf("rt-next-%d", i) }
		for round := range rounds {
			f := setup(t, newBackend)
			require.NoError(t, f.st.IssueRefresh(f.ctx, "rt", refresh("fam", time.Time{})))

			errs := make([]error, goroutines)
			race(func(i int) { _, errs[i] = f.st.RotateRefresh(f.ctx, "rt", next(i), keep) })

			wins, losses := tally(t, errs, store.ErrReused)
			require.Equal(t, 1, wins, "round %d: winners", round)
			require.Equal(t, goroutines-1, losses, "round %d: ErrReused", round)
			for i, err := range errs {
				_, lookupErr := f.st.LookupRefresh(f.ctx, next(i))
				if err == nil {
					// A concurrent replay is reuse, so the winner's
					// successor dies with the family.
					assert.ErrorIs(t, lookupErr, store.ErrRevoked, "round %d: winner's successor", round)
				} else {
					assert.ErrorIs(t, lookupErr, store.ErrNotFound, "round %d: loser %d issued nothing", round, i)
				}
			}
		}
	})

	t.Run("concurrent updates are atomic", func(t *testing.T) {
		const perGoroutine = 10
		increment := func(old []byte, found bool) ([]byte, time.Time, error) {
			n := 0
			if found {
				var err error
				if n, err = strconv.Atoi(string(old)); err != nil {
					return nil, time.Time{}, err
				}
			}
			return strconv.AppendInt(nil, int64(n+1), 10), time.Time{}, nil
		}
		for round := range rounds {
			f := setup(t, newBackend)
			race(func(int) {
				for range perGoroutine {
					assert.NoError(t, f.st.UpdateRecord(f.ctx, "counter", increment))
				}
			})
			v, err := f.st.GetRecord(f.ctx, "counter")
			require.NoError(t, err)
			require.Equal(t, strconv.Itoa(goroutines*perGoroutine), string(v), "round %d", round)
		}
	})

	t.Run("concurrent Namespace calls agree on one store", func(t *testing.T) {
		for round := range rounds {
			f := setup(t, newBackend)
			race(func(i int) {
				st := f.be.Namespace(fmt.Sprintf("ns-%d", i%4))
				assert.NoError(t, st.PutCode(f.ctx, fmt.Sprintf("code-%d", i), grant("fam"), time.Time{}))
			})
			for i := range goroutines {
				_, err := f.be.Namespace(fmt.Sprintf("ns-%d", i%4)).ConsumeCode(f.ctx, fmt.Sprintf("code-%d", i), nil)
				require.NoError(t, err, "round %d: code-%d", round, i)
			}
		}
	})
}
