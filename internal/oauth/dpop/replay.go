package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// Replay remembers the proofs a Verifier accepted until they could no
// longer pass its iat check anyway.
type Replay interface {
	// Claim records key until the given time; a key already recorded and
	// not yet expired gives ErrReplayed and changes nothing.
	Claim(ctx context.Context, key string, until time.Time) error
	// Release forgets key, for a proof whose request then failed.
	Release(ctx context.Context, key string) error
}

// ErrReplayed is Claim's answer for a proof seen before.
var ErrReplayed = errors.New("dpop: proof replayed")

// StoreReplay keeps the seen proofs in the instance's store (records under
// "dpop/jti/"), which is why it is the only Replay: replicas sharing a
// Redis store refuse each other's replays, a file store keeps them across
// a restart, and each record expires on authmock's clock when its proof's
// iat leaves the window, so the state is bounded by the proofs of one
// window and swept like every other expired entry.
type StoreReplay struct{ Records store.Records }

// Claim implements Replay with store.ClaimOnce.
func (s StoreReplay) Claim(ctx context.Context, key string, until time.Time) error {
	err := store.ClaimOnce(ctx, s.Records, recordKey(key), until)
	if errors.Is(err, store.ErrClaimed) {
		return ErrReplayed
	}
	return err
}

// Release implements Replay.
func (s StoreReplay) Release(ctx context.Context, key string) error {
	return s.Records.DeleteRecord(ctx, recordKey(key))
}

// recordKey hashes the (jkt, jti) key so that a record key has a fixed
// length whatever the client chose as jti.
func recordKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "dpop/jti/" + base64.RawURLEncoding.EncodeToString(sum[:])
}
