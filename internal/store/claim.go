package store

import (
	"context"
	"errors"
	"time"
)

// ErrClaimed is ClaimOnce's answer for a key that is already claimed and
// not yet expired.
var ErrClaimed = errors.New("store: already claimed")

// ClaimOnce records key until the given time in one atomic update, or
// returns ErrClaimed when a live record of that key exists; either way it
// changes nothing else. It is the one-time-value primitive (a used jti, a
// rotation in progress): atomic in every backend, so replicas sharing a
// store claim a key once between them, and bounded, since the record
// expires on authmock's clock and is swept like any other. DeleteRecord
// releases a claim.
func ClaimOnce(ctx context.Context, r Records, key string, until time.Time) error {
	return r.UpdateRecord(ctx, key, func(_ []byte, found bool) ([]byte, time.Time, error) {
		if found {
			return nil, time.Time{}, ErrClaimed
		}
		return []byte{1}, until, nil
	})
}
