// Package store holds the server-side state every dialect needs: single-use
// authorization codes, refresh-token families with rotation and reuse
// detection, the token lifecycle's marks and cut-offs, and a key-value area
// for dialect-specific records.
//
// It is separate from the dialects so that the guarantees that matter for
// security (a code is consumed once, a refresh token rotates once, a replay
// revokes the family) are written and tested once, by the conformance suite
// in storetest, for every implementation.
//
// Every interface is small so that a consumer names only what it uses.
// Expiry is always judged by the injected clock, never the wall clock.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap or return them as they are; callers
// compare with errors.Is.
var (
	// ErrNotFound means no such code, token or record exists (or it has been
	// purged after expiry).
	ErrNotFound = errors.New("store: not found")
	// ErrExpired means the entry exists but its expiry has passed.
	ErrExpired = errors.New("store: expired")
	// ErrConsumed means an authorization code was already redeemed. It comes
	// with the original grant so the caller can revoke what was issued from
	// it (RFC 6749 §4.1.2).
	ErrConsumed = errors.New("store: code already consumed")
	// ErrReused means a refresh token that was already rotated away was
	// presented again. The store has revoked the whole family by the time it
	// returns this (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
	ErrReused = errors.New("store: refresh token reused")
	// ErrRevoked means the refresh token's family was revoked.
	ErrRevoked = errors.New("store: revoked")
	// ErrExists means Put-style creation found the key already taken.
	ErrExists = errors.New("store: already exists")
	// ErrFull means the store is at its size cap with nothing it may drop:
	// it evicts only what has expired or is kept for replay detection,
	// never live grants, marks or cut-offs.
	ErrFull = errors.New("store: full")
)

// Grant is what a user (or a client acting for itself) was granted. An
// authorization code carries one; so does every refresh token issued from
// it. FamilyID ties the code, every refresh token and every access token of
// one grant together so that one call can revoke them all.
type Grant struct {
	FamilyID string    `json:"family_id"`
	ClientID string    `json:"client_id"`
	Subject  string    `json:"subject,omitempty"` // empty for client-only grants
	Username string    `json:"username,omitempty"`
	Scopes   []string  `json:"scopes,omitempty"`
	AuthTime time.Time `json:"auth_time,omitzero"`

	// Authorization-code specifics.
	RedirectURI         string `json:"redirect_uri,omitempty"`
	CodeChallenge       string `json:"code_challenge,omitempty"`
	CodeChallengeMethod string `json:"code_challenge_method,omitempty"`
	Nonce               string `json:"nonce,omitempty"`

	// Extra carries dialect-specific values (a Dotypos cloud id, say).
	Extra map[string]string `json:"extra,omitempty"`

	// Seq is the issuance sequence number of the grant's refresh family
	// (clock.Sequence): an admin revoke of its user or client kills the
	// family when Seq is below the cut-off.
	Seq uint64 `json:"seq,omitempty"`
}

// AccessStamp names one access token issued under a grant: its issuance
// sequence number and its expiry in Unix seconds (0: none). With the
// grant's user and client it is all the token lifecycle needs to rebuild
// the token's jti, so revoking a grant can count and mark its access
// tokens without a record per token.
//
// A family refreshed many times within its access tokens' lifetime keeps
// the stamps of its newest MaxAccessStamps tokens only; the older ones are
// folded into stamps with Seq 0 and a Count of tokens expiring at Exp, so
// that a family costs the same however often it rotates.
type AccessStamp struct {
	Seq   uint64 `json:"s,omitempty"`
	Exp   int64  `json:"e,omitempty"`
	Count uint32 `json:"n,omitempty"` // with Seq 0: how many tokens were folded
}

// MaxAccessStamps is how many access stamps a family keeps whole.
const MaxAccessStamps = 32

// Clone returns a deep copy, so that a caller never shares slices or maps
// with what the store holds.
func (g Grant) Clone() Grant {
	if g.Scopes != nil {
		g.Scopes = append([]string(nil), g.Scopes...)
	}
	if g.Extra != nil {
		extra := make(map[string]string, len(g.Extra))
		for k, v := range g.Extra {
			extra[k] = v
		}
		g.Extra = extra
	}
	return g
}

// Codes stores single-use authorization codes.
type Codes interface {
	// PutCode stores a new code. A code that is already present gives
	// ErrExists.
	PutCode(ctx context.Context, code string, g Grant, expiresAt time.Time) error
	// ConsumeCode atomically redeems a code: the first call returns its
	// grant; every later call returns the same grant with ErrConsumed. An
	// unknown code gives ErrNotFound, an expired one ErrExpired.
	//
	// check, when not nil, sees the grant of a live, unconsumed code before
	// it is consumed; if check returns an error the code stays redeemable
	// and the error is returned as is, so a request with a wrong verifier or
	// redirect URI changes nothing. check runs under the store's lock and
	// must not call the store.
	ConsumeCode(ctx context.Context, code string, check func(Grant) error) (Grant, error)
}

// RefreshRecord is one refresh token as the store keeps it.
type RefreshRecord struct {
	Grant     Grant     `json:"grant"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never expires
	// Access is kept per family, not per token. Going in (IssueRefresh, and
	// the record RotateRefresh's update returns) it lists the access tokens
	// issued along with this refresh token, which join the family's; coming
	// out (every call returning a record) it lists all the family's access
	// tokens that have not expired, oldest first.
	Access []AccessStamp `json:"access,omitempty"`
}

// RefreshTokens stores refresh tokens grouped into families (one family per
// grant). Tokens are opaque strings chosen by the caller.
type RefreshTokens interface {
	// IssueRefresh stores a new active token in the family rec.Grant.FamilyID.
	// Issuing into a revoked family gives ErrRevoked, so a replayed code that
	// revoked its family before the first redemption finished issuing cannot
	// leave a live token behind.
	IssueRefresh(ctx context.Context, token string, rec RefreshRecord) error
	// LookupRefresh returns an active token's record. A retired token gives
	// ErrReused (without revoking anything: a lookup is not a use), a token
	// of a revoked family ErrRevoked, an expired one ErrExpired, an unknown
	// one ErrNotFound.
	LookupRefresh(ctx context.Context, token string) (RefreshRecord, error)
	// RotateRefresh atomically retires presented and issues next in the same
	// family. update receives the presented token's record (with no Access
	// stamps) and returns the successor's (it may narrow scopes or change
	// the expiry, and lists the access tokens issued with it); if update
	// returns an error, nothing changes and the error is returned as is.
	// Presenting a token that was already rotated away returns ErrReused and
	// revokes the whole family first. Errors for unknown, expired and revoked
	// tokens are as for LookupRefresh. The presented token's record is
	// returned on success and with ErrReused and ErrRevoked, so the caller
	// knows which family to act on. update runs under the store's lock and
	// must not call the store.
	RotateRefresh(ctx context.Context, presented, next string, update func(RefreshRecord) (RefreshRecord, error)) (RefreshRecord, error)
	// RevokeRefresh revokes the family the token belongs to and returns its
	// id. An unknown token gives ErrNotFound.
	RevokeRefresh(ctx context.Context, token string) (familyID string, err error)
	// LookupFamily returns the record of a family's newest token, with the
	// family's access stamps: what revoking a grant known only by its id
	// (logout, a replayed code) needs to know. A family with no live token
	// gives ErrNotFound; a revoked one its record with ErrRevoked.
	LookupFamily(ctx context.Context, familyID string) (RefreshRecord, error)
	// RevokeFamily revokes every token of a family. Revoking an unknown or
	// already revoked family is not an error.
	RevokeFamily(ctx context.Context, familyID string) error
}

// Mark levels: what a mark says of the token it names. Higher levels win.
const (
	MarkNone    uint8 = 0
	MarkExpired uint8 = 1 // the admin API expired it: answer as for an expired token
	MarkRevoked uint8 = 2
)

// Liveness is the token lifecycle's state (package lifecycle): marks on
// single tokens and cut-offs on the issuance sequence. Neither is ever
// evicted to make room: forgetting one would bring a revoked token back.
//
// A mark lives until its until has passed on the injected clock AND as much
// real time as that interval was when the mark was made has passed, so
// moving the admin clock forward, sweeping, and moving it back cannot drop
// a mark early. Cut-offs never expire; they are one per user or client.
type Liveness interface {
	// Mark raises key's mark to level (never lowers it) and extends its
	// life to until (zero: forever; never shortened). It returns the level
	// the key had before, so a caller can count what it changed.
	Mark(ctx context.Context, key string, level uint8, until time.Time) (before uint8, err error)
	// RaiseCutoff raises key's cut-off to seq (never lowers it) and
	// returns the value before (0: none).
	RaiseCutoff(ctx context.Context, key string, seq uint64) (before uint64, err error)
	// ReadLiveness returns the highest mark among markKeys (MarkNone when
	// none is set) and stores the cut-off of cutoffKeys[i] in cutoffs[i]
	// (0 when unset); len(cutoffs) must be at least len(cutoffKeys). It is
	// one call so that a verification is one round trip on any backend.
	ReadLiveness(ctx context.Context, markKeys, cutoffKeys []string, cutoffs []uint64) (level uint8, err error)
}

// Records is a key-value area for dialect-specific state (a Dotypos refresh
// token's cloud binding, a connector session). Values are opaque bytes,
// usually JSON, so that any backend can hold them.
type Records interface {
	// GetRecord returns a record, ErrNotFound, or ErrExpired.
	GetRecord(ctx context.Context, key string) ([]byte, error)
	// PutRecord creates or replaces a record. A zero expiresAt keeps it until
	// it is deleted or the namespace is reset.
	PutRecord(ctx context.Context, key string, value []byte, expiresAt time.Time) error
	// UpdateRecord atomically replaces a record with update(old). found is
	// false when there is no live record (old is then nil). If update returns
	// an error, nothing changes. Returning a nil value deletes the record.
	// update runs under the store's lock and must not call the store.
	UpdateRecord(ctx context.Context, key string, update func(old []byte, found bool) (value []byte, expiresAt time.Time, err error)) error
	// DeleteRecord removes a record; deleting a missing one is not an error.
	DeleteRecord(ctx context.Context, key string) error
	// ListRecords returns the live records whose keys start with prefix,
	// sorted by key.
	ListRecords(ctx context.Context, prefix string) ([]Record, error)
}

// Record is one key-value record.
type Record struct {
	Key   string
	Value []byte
}

// Store is everything one provider instance keeps.
type Store interface {
	Codes
	RefreshTokens
	Liveness
	Records
}

// Backend hands each provider instance its own Store, so that two instances
// (two oidc issuers, say) never see each other's codes or tokens.
type Backend interface {
	// Namespace returns the store of one provider instance; the same name
	// always returns the same store.
	Namespace(name string) Store
	// Reset forgets everything in one namespace.
	Reset(ctx context.Context, namespace string) error
	// ResetAll forgets everything in every namespace.
	ResetAll(ctx context.Context) error
	// Close stops background work.
	Close() error
}
