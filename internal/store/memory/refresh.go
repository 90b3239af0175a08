package memory

import (
	"context"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// tokenEntry is one refresh token. A retired token stays, in the spent heap,
// until its own expiry, so that presenting it again is caught as reuse.
type tokenEntry struct {
	item
	rec     store.RefreshRecord
	fam     *family
	retired bool
}

// family is what one grant's refresh tokens share. It exists while any token
// names it, so a revocation is remembered exactly as long as some token of
// the family could still be presented. A family revoked before any token was
// issued into it is kept as a tombstone entry instead, so that a token issued
// into it afterwards (a code replay racing the first redemption) is refused.
type family struct {
	id      string
	tokens  int // entries in namespace.tokens naming this family
	revoked bool
	tomb    *item               // non-nil only while revoked with no tokens
	access  []store.AccessStamp // store.JoinStamps' order: counts, then whole
	newest  *tokenEntry         // the token issued last, while it is held
}

// join adds access stamps to the family (store.JoinStamps: expired ones
// dropped, the oldest beyond store.MaxAccessStamps folded into counts).
func (f *family) join(stamps []store.AccessStamp, now time.Time) {
	f.access = store.JoinStamps(f.access, stamps, now)
}

// record returns a copy of e's record with its family's live access
// stamps.
func (ns *namespace) record(e *tokenEntry) store.RefreshRecord {
	r := cloneRecord(e.rec)
	now := ns.clk.Now().Unix()
	for _, a := range e.fam.access {
		if a.Exp == 0 || now < a.Exp {
			r.Access = append(r.Access, a)
		}
	}
	return r
}

// tombstoneLife is how long a family revoked before it had tokens is
// remembered: the race it guards (a replayed code revoking the family while
// the first redemption is still issuing) lasts one request.
const tombstoneLife = 24 * time.Hour

func cloneRecord(r store.RefreshRecord) store.RefreshRecord {
	r.Grant = r.Grant.Clone()
	return r
}

// IssueRefresh stores a new active token. Issuing into a revoked family gives
// ErrRevoked: the grant it belongs to has been withdrawn.
func (ns *namespace) IssueRefresh(ctx context.Context, token string, rec store.RefreshRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if err := ns.claim(token); err != nil {
		return err
	}
	fam := ns.families[rec.Grant.FamilyID]
	if fam == nil || !fam.revoked {
		if err := ns.room(); err != nil {
			return err
		}
		fam = ns.families[rec.Grant.FamilyID] // room may have swept it
	}
	if fam == nil {
		fam = &family{id: rec.Grant.FamilyID}
		ns.families[fam.id] = fam
	} else if fam.revoked {
		return store.ErrRevoked
	}
	ns.addToken(token, rec, fam)
	fam.join(rec.Access, ns.clk.Now())
	return nil
}

// claim makes token's name available for a new token: ErrExists if a live
// token holds it; an expired one is dropped.
func (ns *namespace) claim(token string) error {
	e, ok := ns.tokens[token]
	if !ok {
		return nil
	}
	if !expired(ns.clk.Now(), e.exp) {
		return store.ErrExists
	}
	ns.drop(&e.item)
	return nil
}

func (ns *namespace) addToken(token string, rec store.RefreshRecord, fam *family) {
	rec = cloneRecord(rec)
	rec.Grant.FamilyID = fam.id
	rec.Access = nil // kept on the family
	e := &tokenEntry{item: item{kind: kindToken, key: token, exp: rec.ExpiresAt}, rec: rec, fam: fam}
	ns.tokens[token] = e
	fam.tokens++ // before add, whose eviction must not see the family empty
	fam.newest = e
	ns.add(&e.item)
}

// present judges a presented token. Expiry comes first, as for codes; then a
// retired token is reuse even if its family is already revoked, so that every
// loser of a concurrent double rotation sees ErrReused. The entry is returned
// with ErrReused and ErrRevoked so the caller learns the family.
func (ns *namespace) present(token string) (*tokenEntry, error) {
	e, ok := ns.tokens[token]
	switch {
	case !ok:
		return nil, store.ErrNotFound
	case expired(ns.clk.Now(), e.exp):
		return nil, store.ErrExpired
	case e.retired:
		return e, store.ErrReused
	case e.fam.revoked:
		return e, store.ErrRevoked
	}
	return e, nil
}

// LookupRefresh returns an active token's record. With ErrReused and
// ErrRevoked it returns the record too.
func (ns *namespace) LookupRefresh(ctx context.Context, token string) (store.RefreshRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.RefreshRecord{}, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()

	e, err := ns.present(token)
	if e == nil {
		return store.RefreshRecord{}, err
	}
	return ns.record(e), err
}

// RotateRefresh retires presented and issues next. It returns the presented
// token's record (with ErrReused and ErrRevoked too). The successor always
// joins presented's family, whatever FamilyID update returns. update runs
// under the namespace lock and must not call back into this store.
func (ns *namespace) RotateRefresh(ctx context.Context, presented, next string, update func(store.RefreshRecord) (store.RefreshRecord, error)) (store.RefreshRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.RefreshRecord{}, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	e, err := ns.present(presented)
	switch {
	case errors.Is(err, store.ErrReused):
		e.fam.revoked = true
		return ns.record(e), err
	case e == nil:
		return store.RefreshRecord{}, err
	case err != nil:
		return ns.record(e), err
	}
	if n, ok := ns.tokens[next]; ok && !expired(ns.clk.Now(), n.exp) {
		return store.RefreshRecord{}, store.ErrExists
	}
	presentedRec := ns.record(e)
	in := cloneRecord(e.rec) // a copy: update may scribble on it and fail
	succ, err := update(in)  // without the family's stamps: it returns only the new ones
	if err != nil {
		return store.RefreshRecord{}, err
	}
	_ = ns.claim(next) // cannot fail now; drops an expired holder of the name
	e.retired = true
	ns.markSpent(&e.item)
	succAccess := succ.Access
	succ.Access = nil
	ns.addToken(next, succ, e.fam)
	e.fam.join(succAccess, ns.clk.Now())
	// A rotation adds no live entry, so it never fails for room: at the
	// cap, replay history goes (the presented token's own, at worst; the
	// successor keeps the family).
	ns.trimSpent()
	return presentedRec, nil
}

// LookupFamily returns the record of a family's newest token.
func (ns *namespace) LookupFamily(ctx context.Context, familyID string) (store.RefreshRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.RefreshRecord{}, err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	fam := ns.families[familyID]
	if fam == nil || fam.newest == nil || expired(ns.clk.Now(), fam.newest.exp) {
		return store.RefreshRecord{}, store.ErrNotFound
	}
	rec := ns.record(fam.newest)
	if fam.revoked {
		return rec, store.ErrRevoked
	}
	return rec, nil
}

// RevokeRefresh revokes the family of any token it still knows, active,
// retired or expired: revoking is always safe.
func (ns *namespace) RevokeRefresh(ctx context.Context, token string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	e, ok := ns.tokens[token]
	if !ok {
		return "", store.ErrNotFound
	}
	e.fam.revoked = true
	return e.fam.id, nil
}

// RevokeFamily revokes a family. An unknown one becomes a tombstone (see
// family) that lasts tombstoneLife: far longer than any code that could
// race it. A revocation always succeeds, so a tombstone may take the
// namespace past its cap.
func (ns *namespace) RevokeFamily(ctx context.Context, familyID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if fam := ns.families[familyID]; fam != nil {
		fam.revoked = true
		return nil
	}
	fam := &family{id: familyID, revoked: true, tomb: &item{kind: kindFamily, key: familyID, exp: ns.clk.Now().Add(tombstoneLife)}}
	ns.families[familyID] = fam
	ns.add(fam.tomb)
	return nil
}
