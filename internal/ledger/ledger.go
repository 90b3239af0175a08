// Package ledger remembers the tokens a provider instance has issued (id,
// owner, client, expiry) until they expire, so that the admin API can
// revoke or expire them by user or client, and so that verification can
// tell which ones it has.
//
// JWT access tokens are otherwise stateless, and a per-user cut-off time
// cannot tell a token issued before an admin call from one issued after it
// in the same second (on a frozen clock, every token is issued in the same
// second). The ledger names each token by id instead.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// Kind tells access tokens from refresh tokens: ids are unique per kind.
type Kind string

// The kinds of token.
const (
	Access  Kind = "access"
	Refresh Kind = "refresh"
)

// Status is what the admin API has done to a token.
type Status int

// The statuses, in order of precedence: a revoked token stays revoked when
// it is later expired.
const (
	Live Status = iota
	Expired
	Revoked
)

func (s Status) String() string {
	switch s {
	case Expired:
		return "expired"
	case Revoked:
		return "revoked"
	}
	return "live"
}

// Entry is one issued token.
type Entry struct {
	Kind Kind `json:"kind"`
	// ID names the token: an access token's jti (or a hash of an opaque
	// token), a refresh token's family id (or a hash of the token when the
	// dialect has no families).
	ID       string `json:"id"`
	Username string `json:"username,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	// ExpiresAt is when the token stops working anyway and the entry can be
	// forgotten; zero for a token that never expires.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Ledger is safe for concurrent use; its state lives in the instance's
// store, so a store reset clears it.
type Ledger struct {
	st store.Records
}

// New returns a ledger keeping its entries in st.
func New(st store.Store) *Ledger { return &Ledger{st: st} }

// An entry lives under entryPrefix; what the admin API did to it, under
// statusPrefix, as one byte: the Status. Separate keys keep Select's scan to
// entries, and make Status one lookup.
const (
	entryPrefix  = "ledger/"
	statusPrefix = "ledger-status/"
)

func entryKey(k Kind, id string) string  { return entryPrefix + string(k) + "/" + id }
func statusKey(k Kind, id string) string { return statusPrefix + string(k) + "/" + id }

// Record remembers an issued token. A later entry with the same kind and id
// (a refresh family whose expiry moved on rotation) replaces the earlier.
func (l *Ledger) Record(ctx context.Context, e Entry) error {
	if e.Kind == "" || e.ID == "" {
		return errors.New("ledger: an entry needs a kind and an id")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return l.st.PutRecord(ctx, entryKey(e.Kind, e.ID), b, e.ExpiresAt)
}

// Status reports what the admin API has done to a token. A token the
// ledger never saw is Live. It runs on every verification, so it is one
// store lookup.
func (l *Ledger) Status(ctx context.Context, k Kind, id string) (Status, error) {
	b, err := l.st.GetRecord(ctx, statusKey(k, id))
	switch {
	case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired):
		return Live, nil
	case err != nil:
		return Live, err
	case len(b) != 1:
		return Live, fmt.Errorf("ledger: status of %s/%s is %d bytes", k, id, len(b))
	}
	return Status(b[0]), nil
}

// Lookup returns the entry of one token, or provider.ErrUnknownToken.
func (l *Ledger) Lookup(ctx context.Context, k Kind, id string) (Entry, error) {
	b, err := l.st.GetRecord(ctx, entryKey(k, id))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired) {
		return Entry{}, provider.ErrUnknownToken
	}
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, fmt.Errorf("ledger: entry %s/%s: %w", k, id, err)
	}
	return e, nil
}

// Select returns the live tokens a selector's jti, username or client id
// names: a jti names an access token; a user or client, every token issued
// to it. A selector's Token is the dialect's to resolve (it alone can
// parse its tokens) and is refused here. A jti no entry matches gives
// provider.ErrUnknownToken; a user or client with no tokens gives none.
func (l *Ledger) Select(ctx context.Context, sel provider.TokenSelector) ([]Entry, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	switch {
	case sel.Token != "":
		return nil, errors.New("ledger: resolve a token to its entry with Lookup")
	case sel.JTI != "":
		e, err := l.Lookup(ctx, Access, sel.JTI)
		if err != nil {
			return nil, err
		}
		return []Entry{e}, nil
	}
	recs, err := l.st.ListRecords(ctx, entryPrefix)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, r := range recs {
		var e Entry
		if err := json.Unmarshal(r.Value, &e); err != nil {
			return nil, fmt.Errorf("ledger: entry %s: %w", r.Key, err)
		}
		if (sel.Username != "" && e.Username == sel.Username) || (sel.ClientID != "" && e.ClientID == sel.ClientID) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Resolve returns the entries a selector names: a token through byToken,
// since only the dialect can parse its tokens, anything else through
// Select.
func (l *Ledger) Resolve(ctx context.Context, sel provider.TokenSelector, byToken func(ctx context.Context, token string) ([]Entry, error)) ([]Entry, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	if sel.Token != "" {
		return byToken(ctx, sel.Token)
	}
	return l.Select(ctx, sel)
}

// One wraps a resolver of one token for Resolve.
func One(resolve func(ctx context.Context, token string) (Entry, error)) func(context.Context, string) ([]Entry, error) {
	return func(ctx context.Context, token string) ([]Entry, error) {
		e, err := resolve(ctx, token)
		if err != nil {
			return nil, err
		}
		return []Entry{e}, nil
	}
}

// Revoke marks entries revoked and counts those that were not already.
func (l *Ledger) Revoke(ctx context.Context, entries []Entry) (provider.Selected, error) {
	return l.mark(ctx, entries, Revoked)
}

// Expire marks entries expired and counts those that were live. A revoked
// token stays revoked. The caller leaves out the refresh tokens it means to
// keep.
func (l *Ledger) Expire(ctx context.Context, entries []Entry) (provider.Selected, error) {
	return l.mark(ctx, entries, Expired)
}

// mark raises each entry's status to to, atomically, and counts the
// entries it changed: a repeated call reports zero.
func (l *Ledger) mark(ctx context.Context, entries []Entry, to Status) (provider.Selected, error) {
	var n provider.Selected
	for _, e := range entries {
		changed := false
		err := l.st.UpdateRecord(ctx, statusKey(e.Kind, e.ID), func(old []byte, found bool) ([]byte, time.Time, error) {
			if found && len(old) == 1 && Status(old[0]) >= to {
				return old, e.ExpiresAt, nil
			}
			changed = true
			return []byte{byte(to)}, e.ExpiresAt, nil
		})
		if err != nil {
			return n, err
		}
		switch {
		case !changed:
		case e.Kind == Refresh:
			n.RefreshTokens++
		default:
			n.AccessTokens++
		}
	}
	return n, nil
}

// AccessOnly returns the access-token entries of entries: what expiring a
// user's or client's tokens acts on.
func AccessOnly(entries []Entry) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.Kind == Access {
			out = append(out, e)
		}
	}
	return out
}
