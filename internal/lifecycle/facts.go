package lifecycle

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// Kind tells access tokens from refresh tokens.
type Kind uint8

// The kinds of token.
const (
	Access Kind = iota + 1
	Refresh
)

// State is what Check says of a token.
type State uint8

// The states. A dialect words each in its own error format.
const (
	Live State = iota
	// Expired: past its exp on the instance clock, or expired by the admin
	// API.
	Expired
	// Revoked: by the admin API, a revocation endpoint, logout, a reused
	// refresh token or a replayed code.
	Revoked
)

func (s State) String() string {
	switch s {
	case Expired:
		return "expired"
	case Revoked:
		return "revoked"
	}
	return "live"
}

// Facts is what the lifecycle needs to know of one token, read by the
// dialect from the verified token or its store record.
type Facts struct {
	Kind Kind
	// Seq is the token's issuance sequence number: from its jti for an
	// access token (ParseJTI), from store.Grant.Seq for a refresh family.
	Seq uint64
	// JTI names an access token.
	JTI string
	// Family is the refresh family (grant) the token belongs to: revoking
	// the grant kills its refresh tokens and every access token issued
	// under it. Empty for access tokens of grants without refresh tokens.
	Family   string
	Username string // empty for a client acting for itself
	ClientID string
	// ExpiresAt is the access token's exp or the refresh family's current
	// expiry; zero: never.
	ExpiresAt time.Time
	// Until, when later than ExpiresAt, is how long the token can still be
	// presented somewhere past its exp (a FastAPI refresh that pairs with
	// an expired access token): marks on it last until then, and the admin
	// API can still act on it.
	Until time.Time
	// Access lists a refresh family's access tokens (from its store
	// record), so that revoking the grant counts and kills them.
	Access []store.AccessStamp
}

// until is how long marks on the token must last; zero: for ever.
func (f Facts) until() time.Time {
	if f.ExpiresAt.IsZero() || f.Until.After(f.ExpiresAt) {
		return f.Until
	}
	return f.ExpiresAt
}

// Stamp is the store.AccessStamp of an access token's facts.
func (f Facts) Stamp() store.AccessStamp {
	return store.AccessStamp{Seq: f.Seq, Exp: unixOrZero(f.ExpiresAt)}
}

// jtiLen is the length of a jti: 16 bytes, hex encoded, as before the
// lifecycle gave it a structure.
const jtiLen = 32

// newJTI lays out an access token's jti: the issuance sequence number (8
// bytes), the expiry in Unix seconds (4 bytes, 0: none) and a tag of the
// token's user and client (4 bytes). The admin API can then revoke a token
// by jti alone, knowing when it was issued, until when it matters and whose
// it is, without a record per token. A jti is an identifier, not a secret.
func newJTI(seq uint64, exp time.Time, tag uint32) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:], seq)
	binary.BigEndian.PutUint32(b[8:], uint32(unixOrZero(exp)))
	binary.BigEndian.PutUint32(b[12:], tag)
	return hex.EncodeToString(b[:])
}

// ParseJTI reads what newJTI laid out. ok is false for anything else,
// upper-case hex included: a jti names a mark by its exact spelling.
func ParseJTI(jti string) (seq uint64, exp time.Time, tag uint32, ok bool) {
	if len(jti) != jtiLen || strings.ContainsAny(jti, "ABCDEF") {
		return 0, time.Time{}, 0, false
	}
	var b [16]byte
	if _, err := hex.Decode(b[:], []byte(jti)); err != nil {
		return 0, time.Time{}, 0, false
	}
	seq = binary.BigEndian.Uint64(b[0:])
	if e := binary.BigEndian.Uint32(b[8:]); e != 0 {
		exp = time.Unix(int64(e), 0)
	}
	return seq, exp, binary.BigEndian.Uint32(b[12:]), seq != 0
}

// RefreshFacts returns the facts of a refresh token from its store record.
func RefreshFacts(rec store.RefreshRecord) Facts {
	g := rec.Grant
	return Facts{Kind: Refresh, Seq: g.Seq, Family: g.FamilyID, Username: g.Username, ClientID: g.ClientID, ExpiresAt: rec.ExpiresAt, Access: rec.Access}
}

// stampFacts rebuilds the facts of an access token of a grant.
func (l *Lifecycle) stampFacts(a store.AccessStamp, grant Facts) Facts {
	var exp time.Time
	if a.Exp != 0 {
		exp = time.Unix(a.Exp, 0)
	}
	return Facts{
		Kind: Access, Seq: a.Seq, JTI: newJTI(a.Seq, exp, l.tag(grant.Username, grant.ClientID)),
		Family: grant.Family, Username: grant.Username, ClientID: grant.ClientID, ExpiresAt: exp,
	}
}

// pairTag is a short hash of an instance's salt, a user and a client,
// which a jti carries. It is FNV-1a, written out so that issuing a token
// allocates nothing for it.
func pairTag(salt, username, clientID string) uint32 {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := range len(salt) {
		h = (h ^ uint32(salt[i])) * prime
	}
	h *= prime // the 0 byte between
	for i := range len(username) {
		h = (h ^ uint32(username[i])) * prime
	}
	h *= prime // the 0 byte between the two
	for i := range len(clientID) {
		h = (h ^ uint32(clientID[i])) * prime
	}
	return h
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
