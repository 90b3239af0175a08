package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/authmock/authmock/internal/clock"
)

// Nonces issues and checks server nonces (RFC 9449 §8, §9) without keeping
// any state: a nonce is the number of its time window and an HMAC of it,
// and is accepted in its own window and the next one, so that one lives
// between one and two windows on authmock's clock. Replicas that share
// the key (derived from the instance's signing key, which they share)
// accept each other's nonces.
type Nonces struct {
	key    []byte
	window time.Duration
	clock  clock.Clock
}

// NewNonces returns a nonce source; window must be at least a second.
func NewNonces(key []byte, window time.Duration, c clock.Clock) *Nonces {
	if window < time.Second {
		window = time.Second
	}
	return &Nonces{key: key, window: window, clock: c}
}

func (n *Nonces) bucket() uint64 {
	return uint64(n.clock.Now().UnixNano()) / uint64(n.window)
}

// Current returns the nonce of the current window.
func (n *Nonces) Current() string { return n.encode(n.bucket()) }

func (n *Nonces) encode(b uint64) string {
	buf := make([]byte, 8, 8+16)
	binary.BigEndian.PutUint64(buf, b)
	buf = append(buf, n.mac(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (n *Nonces) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte("authmock dpop nonce\x00"))
	m.Write(b)
	return m.Sum(nil)[:16]
}

// Valid reports whether s is a nonce of the current or the previous
// window.
func (n *Nonces) Valid(s string) bool {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != 8+16 || !hmac.Equal(raw[8:], n.mac(raw[:8])) {
		return false
	}
	b, cur := binary.BigEndian.Uint64(raw[:8]), n.bucket()
	return b == cur || b+1 == cur
}
