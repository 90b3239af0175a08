package directory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// The runtime fixture changes of an instance are one record of its store
// namespace: an overlay on the configured fixtures, so that a restart on a
// file store (or a replica on the same Redis) rebuilds the same clients,
// users and dialect collections, and a configuration edited between two
// starts still applies beneath the changes.
const (
	overlayKey = "fixtures/overlay"
	// overlayTopic is what a change announces on a shared store.
	overlayTopic = "fixtures"
	// keepTimeout bounds the store calls of a change, a reset and a
	// rebuild on notice; the first load takes the same bound at start-up.
	keepTimeout = 10 * time.Second
	// changeAttempts bounds the retries of a change that lost a race with
	// another replica's.
	changeAttempts = 64
)

// Overlay is, per fixture kind ("clients", "users", "clouds"), the items
// that differ from the configured ones, as JSON by id; JSON null marks a
// configured item that was deleted.
type Overlay map[string]map[string]json.RawMessage

// Collection is fixture state the admin API changes at runtime, kept in the
// store as an overlay on its configured state.
type Collection interface {
	// Overlay returns the kinds it holds, as they differ from the
	// configured ones now.
	Overlay() (Overlay, error)
	// Restore returns to the configured items with ov applied, in one
	// step for readers; kinds it does not hold are ignored. A bad entry is
	// an error and changes nothing.
	Restore(ov Overlay) error
}

// Records is the part of an instance's store the overlay is kept in.
type Records interface {
	GetRecord(ctx context.Context, key string) ([]byte, error)
	UpdateRecord(ctx context.Context, key string, update func(old []byte, found bool) ([]byte, time.Time, error)) error
	DeleteRecord(ctx context.Context, key string) error
}

// stored is the overlay record. Rev changes with every change and tells a
// process whether its collections reflect the record; it is random rather
// than counted so that a reset (which deletes the record) followed by as
// many changes cannot look like a record already applied.
type stored struct {
	Rev     string  `json:"rev"`
	Version uint64  `json:"version"`
	Kinds   Overlay `json:"kinds,omitempty"`
}

// Keeper keeps an instance's runtime fixture changes in its store: every
// change is committed there before it is answered, the overlay is applied
// at start, and on a store shared by replicas (store.Shared) each change
// is announced and every replica rebuilds from the record when it hears
// of it (within milliseconds).
//
// A change runs on the live collections, so the dialects' checks read the
// other items as they are; it is committed only if no other process
// committed since this one last rebuilt, else it is rebuilt and run again.
// Meanwhile requests may see the change a moment before it is committed.
type Keeper struct {
	st   Records      // nil: nothing is kept (a provider built without a store)
	sh   store.Shared // nil: no other process uses the store
	cols []Collection
	log  *slog.Logger

	mu  sync.Mutex // one change or rebuild at a time in this process
	cur stored     // the record the collections reflect
}

// Keep returns the keeper of cols in st, with the overlay st holds already
// applied. A nil st keeps nothing (every change stays in this process). On
// a shared store it watches for other replicas' changes until the store is
// closed.
func Keep(st Records, log *slog.Logger, cols ...Collection) (*Keeper, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	k := &Keeper{st: st, cols: cols, log: log}
	if st == nil {
		return k, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), keepTimeout)
	defer cancel()
	if sh, ok := st.(store.Shared); ok {
		k.sh = sh
		// Watch before the first load, so that no change falls between.
		if err := sh.Watch(ctx, overlayTopic, k.onNotice); err != nil {
			return nil, fmt.Errorf("runtime fixture changes: %w", err)
		}
	}
	if err := k.Sync(ctx); err != nil {
		return nil, fmt.Errorf("runtime fixture changes: %w", err)
	}
	return k, nil
}

func (k *Keeper) onNotice() {
	ctx, cancel := context.WithTimeout(context.Background(), keepTimeout)
	defer cancel()
	if err := k.Sync(ctx); err != nil {
		k.log.Error("another replica changed the fixtures; rebuilding them failed", "err", err)
	}
}

// Sync rebuilds the collections from the store's record if it has changed
// since they were last built.
func (k *Keeper) Sync(ctx context.Context) error {
	if k.st == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.syncLocked(ctx)
}

func (k *Keeper) syncLocked(ctx context.Context) error {
	raw, err := k.st.GetRecord(ctx, overlayKey)
	var rec stored
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired):
		// none: the configured fixtures
	case err != nil:
		return err
	default:
		if rev, err := revOf(raw); err != nil || rev == k.cur.Rev {
			return err
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("the stored overlay: %w", err)
		}
	}
	if rec.Rev == k.cur.Rev {
		return nil
	}
	return k.restore(rec)
}

// revOf reads only a record's revision: what most reads need, without
// building its items.
func revOf(raw []byte) (string, error) {
	var r struct {
		Rev string `json:"rev"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", fmt.Errorf("the stored overlay: %w", err)
	}
	return r.Rev, nil
}

// restore applies rec to every collection.
func (k *Keeper) restore(rec stored) error {
	var errs []error
	for _, c := range k.cols {
		errs = append(errs, c.Restore(rec.Kinds))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the stored overlay: %w", err)
	}
	k.cur = rec
	return nil
}

// errStale says another process committed a change first.
var errStale = errors.New("the overlay changed meanwhile")

// Change runs op, which changes the collections (and returns an error, a
// refusal say, having changed nothing), and commits the result to the
// store. If op or the commit fails, the collections are rebuilt as they
// were. op may run more than once when replicas change fixtures at the
// same moment, so it must not call the store.
func (k *Keeper) Change(ctx context.Context, op func() error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.st == nil {
		return op()
	}
	ctx, cancel := context.WithTimeout(ctx, keepTimeout)
	defer cancel()
	for range changeAttempts {
		if err := k.syncLocked(ctx); err != nil {
			return err
		}
		err := k.commit(ctx, op)
		if err == nil {
			k.announce(ctx)
			return nil
		}
		// What op did is undone, from the record the collections
		// reflected before it; a stale one is then rebuilt by the sync.
		if rerr := k.restore(k.cur); rerr != nil {
			k.log.Error("undoing a fixture change", "err", rerr)
		}
		if !errors.Is(err, errStale) {
			return err
		}
	}
	return fmt.Errorf("runtime fixture changes: %w %d times", errStale, changeAttempts)
}

// commit runs op and stores the overlay it leaves, if the record is still
// the one the collections reflected.
func (k *Keeper) commit(ctx context.Context, op func() error) error {
	if err := op(); err != nil {
		return err
	}
	next := stored{Version: k.cur.Version + 1, Kinds: Overlay{}}
	for _, c := range k.cols {
		ov, err := c.Overlay()
		if err != nil {
			return err
		}
		for kind, items := range ov {
			if len(items) > 0 {
				next.Kinds[kind] = items
			}
		}
	}
	var err error
	if next.Rev, err = newRev(); err != nil {
		return err
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return err
	}
	base := k.cur.Rev
	err = k.st.UpdateRecord(ctx, overlayKey, func(old []byte, found bool) ([]byte, time.Time, error) {
		var was string
		if found {
			var err error
			if was, err = revOf(old); err != nil {
				return nil, time.Time{}, err
			}
		}
		if was != base {
			return nil, time.Time{}, errStale
		}
		return raw, time.Time{}, nil
	})
	if err != nil {
		return err
	}
	k.cur = next
	return nil
}

// Reset returns the collections to the configured fixtures and forgets
// the overlay, at every replica.
func (k *Keeper) Reset(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	var errs []error
	if k.st != nil {
		ctx, cancel := context.WithTimeout(ctx, keepTimeout)
		defer cancel()
		errs = append(errs, k.st.DeleteRecord(ctx, overlayKey))
		defer k.announce(ctx)
	}
	errs = append(errs, k.restore(stored{}))
	return errors.Join(errs...)
}

// announce tells the other replicas; a failure leaves them behind until
// the next change, so it is logged rather than undone.
func (k *Keeper) announce(ctx context.Context) {
	if k.sh == nil {
		return
	}
	if err := k.sh.Announce(ctx, overlayTopic); err != nil {
		k.log.Error("the fixture change is stored, but other replicas were not told", "err", err)
	}
}

// newRev returns a random revision. crypto/rand rather than the instance's
// Rand: two replicas given one deterministic source would make the same.
func newRev() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
