package bbolt

import (
	"encoding/binary"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// Sub-bucket names; see the package comment for what each holds.
var (
	bktRoot     = []byte("ns")
	bktCodes    = []byte("c")
	bktTokens   = []byte("t")
	bktFamilies = []byte("f")
	bktRecords  = []byte("r")
	bktMarks    = []byte("m")
	bktCutoffs  = []byte("o")
	bktExpiry   = []byte("x")
	bktMarkIdx  = []byte("y")

	subBuckets = [][]byte{bktCodes, bktTokens, bktFamilies, bktRecords, bktMarks, bktCutoffs, bktExpiry, bktMarkIdx}
)

// Kinds in the expiry index.
const (
	kindCode   byte = 'c'
	kindToken  byte = 't'
	kindRecord byte = 'r'
	kindFamily byte = 'f' // tombstone of a family revoked while it had no tokens
)

// nanos encodes a time as Unix nanoseconds, 0 for the zero time (never).
func nanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	n := t.UnixNano()
	if n <= 0 {
		return 1 // before 1970: long expired; 0 is reserved for never
	}
	return uint64(n)
}

func fromNanos(n uint64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(n)).UTC()
}

// expired reports whether an entry expiring at exp (nanos, 0 never) is dead
// at now: from the instant of its expiry on, as in package memory.
func expired(now time.Time, exp uint64) bool {
	return exp != 0 && nanos(now) >= exp
}

func putU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func u64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// entry encodes exp | flag | body, the layout of codes and tokens.
func entry(exp uint64, flag bool, body []byte) []byte {
	b := make([]byte, 0, 9+len(body))
	b = putU64(b, exp)
	f := byte(0)
	if flag {
		f = 1
	}
	return append(append(b, f), body...)
}

// parseEntry splits what entry encoded; body aliases v, valid only in the
// transaction.
func parseEntry(v []byte) (exp uint64, flag bool, body []byte) {
	if len(v) < 9 {
		return 0, false, nil
	}
	return u64(v), v[8] == 1, v[9:]
}

// indexKey is an expiry-index key: exp, kind, key.
func indexKey(exp uint64, kind byte, key string) []byte {
	b := make([]byte, 0, 9+len(key))
	return append(append(putU64(b, exp), kind), key...)
}

// markIndexKey is a mark-index key: until, key.
func markIndexKey(until uint64, key string) []byte {
	b := make([]byte, 0, 8+len(key))
	return append(putU64(b, until), key...)
}

// mark is a decoded mark value.
type mark struct {
	level       uint8
	until, wall uint64
}

func (m mark) encode() []byte {
	b := make([]byte, 0, 17)
	return putU64(putU64(append(b, m.level), m.until), m.wall)
}

func parseMark(v []byte) mark {
	if len(v) < 17 {
		return mark{}
	}
	return mark{level: v[0], until: u64(v[1:]), wall: u64(v[9:])}
}

// familyRec is what one grant's refresh tokens share; see memory's family.
type familyRec struct {
	Tokens  int                 `json:"n,omitempty"` // tokens in t naming the family
	Revoked bool                `json:"rev,omitempty"`
	Tomb    uint64              `json:"tomb,omitempty"` // exp of a tombstone, 0 when it has tokens
	Newest  string              `json:"newest,omitempty"`
	Access  []store.AccessStamp `json:"access,omitempty"`
}

// join adds access stamps, dropping those expired at now.
func (f *familyRec) join(stamps []store.AccessStamp, now time.Time) {
	f.Access = store.JoinStamps(f.Access, stamps, now)
}
