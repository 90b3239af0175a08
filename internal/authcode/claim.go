package authcode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// claimLife bounds how long a claim is kept after a rotation: long enough
// for every replica's lookup that raced it to reach its own claim and be
// refused, short enough to leave little behind (it is swept on expiry).
const claimLife = 10 * time.Minute

// claimRotation makes a ReuseRefuse rotation of presented this request's
// alone across replicas. ReuseRefuse refuses a second use of a token and
// revokes nothing; refreshMu gives that within one process (the second
// request's lookup sees the token retired), but on a store shared by
// replicas two lookups can pass at once, and the store's rotation would
// answer the second as a reuse and revoke the family the first just
// extended. So on a shared store the rotation first creates a record named
// for the token: the replica that creates it rotates, every other is
// refused as a used token (store.ErrReused). release drops the claim of a
// rotation that did not happen, so the token stays usable. A store only
// one process uses needs no claim and gets no store call.
func (f *Flow) claimRotation(ctx context.Context, presented string, rec store.RefreshRecord) (release func(context.Context), err error) {
	nothing := func(context.Context) {}
	if _, shared := f.deps.Store.(store.Shared); !shared {
		return nothing, nil
	}
	sum := sha256.Sum256([]byte(presented))
	key := "rotating:" + hex.EncodeToString(sum[:])
	until := f.now().Add(claimLife)
	if !rec.ExpiresAt.IsZero() && rec.ExpiresAt.Before(until) {
		until = rec.ExpiresAt
	}
	err = store.ClaimOnce(ctx, f.deps.Store, key, until)
	if errors.Is(err, store.ErrClaimed) {
		return nothing, store.ErrReused
	}
	if err != nil {
		return nothing, err
	}
	return func(ctx context.Context) {
		if err := f.deps.Store.DeleteRecord(ctx, key); err != nil {
			f.log.ErrorContext(ctx, "releasing the claim of a refresh rotation that failed", "err", err)
		}
	}, nil
}
