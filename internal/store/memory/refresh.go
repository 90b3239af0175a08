package memory

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// tokenEntry is one refresh token, known by its hashKey: the token's text
// is not kept. A retired token (spent) stays, in the spent heap, until its
// own expiry, so that presenting it again is caught as reuse.
type tokenEntry struct {
	slot
	key    hashKey
	issued int64 // instantOf
	fam    *family
	g      *grant // shared with the family's other tokens while equal
}

// family is what one grant's refresh tokens share. It exists while any token
// names it, so a revocation is remembered exactly as long as some token of
// the family could still be presented. A family revoked before any token was
// issued into it is kept as a tombstone entry instead, so that a token issued
// into it afterwards (a code replay racing the first redemption) is refused.
//
// Most families only ever hold one token (a login that is never refreshed),
// so a family carries its first token and that token's grant in itself: one
// allocation per login.
type family struct {
	key     hashKey
	name    *string // the id, when key is its hash (keys.go)
	access  stamps
	newest  *tokenEntry // the token issued last, while it is held
	tokens  int32       // entries in namespace.tokens naming this family
	revoked bool
	tomb    bool // a tombstone: revoked with no tokens, an item in ns.live
	first   tokenEntry
	grant   grant // the first token's
}

// id is the family's id as the caller gave it.
func (f *family) id() string {
	if f.name != nil {
		return *f.name
	}
	return hex.EncodeToString(f.key[:])
}

// join adds access stamps to the family (store.JoinStamps: expired ones
// dropped, the oldest beyond store.MaxAccessStamps folded into counts).
func (f *family) join(add []store.AccessStamp, now time.Time) {
	if len(add) == 0 && f.access.empty() {
		return
	}
	f.access.set(store.JoinStamps(f.access.list(), add, now))
}

// newFamily makes a family (not yet in ns.families).
func (ns *namespace) newFamily(id string) *family {
	k, named := ns.salt.familyKey(id)
	f := &family{key: k}
	if named {
		f.name = &id
	}
	return f
}

// bare returns e's record, fresh, without access stamps.
func (ns *namespace) bare(e *tokenEntry) store.RefreshRecord {
	return store.RefreshRecord{Grant: e.g.expand(e.fam.id()), IssuedAt: instantTime(e.issued), ExpiresAt: expiryTime(e.exp)}
}

// record returns e's record, fresh, with its family's live access stamps.
func (ns *namespace) record(e *tokenEntry) store.RefreshRecord {
	r := ns.bare(e)
	now := ns.clk.Now().Unix()
	for _, a := range e.fam.access.list() {
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

// IssueRefresh stores a new active token. Issuing into a revoked family gives
// ErrRevoked: the grant it belongs to has been withdrawn.
func (ns *namespace) IssueRefresh(ctx context.Context, token string, rec store.RefreshRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := ns.salt.tokenKey(token)
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	if err := ns.claim(key); err != nil {
		return err
	}
	famKey, _ := ns.salt.familyKey(rec.Grant.FamilyID)
	fam, _ := ns.families.get(famKey)
	if fam == nil || !fam.revoked {
		if err := ns.room(); err != nil {
			return err
		}
		fam, _ = ns.families.get(famKey) // room may have swept it
	}
	switch {
	case fam == nil:
		fam = ns.newFamily(rec.Grant.FamilyID)
		ns.families.put(fam)
		fam.grant.set(rec.Grant, ns.acquire(rec.Grant.ClientID, rec.Grant.Subject, rec.Grant.Username, rec.Grant.Scopes))
		ns.addToken(&fam.first, key, rec, fam, &fam.grant)
	case fam.revoked:
		return store.ErrRevoked
	default:
		ns.addToken(new(tokenEntry), key, rec, fam, ns.grantFor(rec.Grant, fam.newestGrant()))
	}
	fam.join(rec.Access, ns.clk.Now())
	return nil
}

// newestGrant is the grant a new token of the family is most likely to
// repeat; nil when the family holds no token.
func (f *family) newestGrant() *grant {
	if f.newest != nil {
		return f.newest.g
	}
	return nil
}

// grantFor returns like when it already holds g (with one more reference to
// its principal), else a new grant: rotations that keep their grant, as
// most do, add nothing but the token.
func (ns *namespace) grantFor(g store.Grant, like *grant) *grant {
	if like != nil && like.same(g) {
		like.who.hold()
		return like
	}
	var who *principal
	if like != nil && like.who.is(g.ClientID, g.Subject, g.Username, g.Scopes) {
		who = like.who
		who.hold()
	} else {
		who = ns.acquire(g.ClientID, g.Subject, g.Username, g.Scopes)
	}
	gr := new(grant)
	gr.set(g, who)
	return gr
}

// claim makes a token's name available for a new token: ErrExists if a
// live token holds it; an expired one is dropped.
func (ns *namespace) claim(key hashKey) error {
	e, ok := ns.tokens.get(key)
	if !ok {
		return nil
	}
	if !expired(ns.now(), e.exp) {
		return store.ErrExists
	}
	ns.dropToken(e)
	return nil
}

// addToken registers e, a new token of fam whose grant is g (holding a
// reference to its principal for e).
func (ns *namespace) addToken(e *tokenEntry, key hashKey, rec store.RefreshRecord, fam *family, g *grant) {
	*e = tokenEntry{slot: slot{exp: expiryOf(rec.ExpiresAt)}, key: key, issued: instantOf(rec.IssuedAt), fam: fam, g: g}
	ns.tokens.put(e)
	fam.tokens++
	fam.newest = e
	ns.seq++
	e.seq = ns.seq
	ns.liveTokens.push(e)
}

// present judges a presented token. Expiry comes first, as for codes; then a
// retired token is reuse even if its family is already revoked, so that every
// loser of a concurrent double rotation sees ErrReused. The entry is returned
// with ErrReused and ErrRevoked so the caller learns the family.
func (ns *namespace) present(key hashKey) (*tokenEntry, error) {
	e, ok := ns.tokens.get(key)
	switch {
	case !ok:
		return nil, store.ErrNotFound
	case expired(ns.now(), e.exp):
		return nil, store.ErrExpired
	case e.spent:
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
	key := ns.salt.tokenKey(token)
	ns.mu.Lock()
	defer ns.mu.Unlock()

	e, err := ns.present(key)
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
	pkey, nkey := ns.salt.tokenKey(presented), ns.salt.tokenKey(next)
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	e, err := ns.present(pkey)
	switch {
	case errors.Is(err, store.ErrReused):
		e.fam.revoked = true
		return ns.record(e), err
	case e == nil:
		return store.RefreshRecord{}, err
	case err != nil:
		return ns.record(e), err
	}
	if n, ok := ns.tokens.get(nkey); ok && !expired(ns.now(), n.exp) {
		return store.RefreshRecord{}, store.ErrExists
	}
	// update gets a fresh copy (it may scribble on it and fail) without the
	// family's stamps: it returns only the new ones.
	succ, err := update(ns.bare(e))
	if err != nil {
		return store.RefreshRecord{}, err
	}
	presentedRec := ns.record(e)
	_ = ns.claim(nkey) // cannot fail now; drops an expired holder of the name
	ns.spendToken(e)
	ns.addToken(new(tokenEntry), nkey, succ, e.fam, ns.grantFor(succ.Grant, e.g))
	e.fam.join(succ.Access, ns.clk.Now())
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
	k, _ := ns.salt.familyKey(familyID)
	ns.mu.Lock()
	defer ns.mu.Unlock()
	fam, _ := ns.families.get(k)
	if fam == nil || fam.newest == nil || expired(ns.now(), fam.newest.exp) {
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
	key := ns.salt.tokenKey(token)
	ns.mu.Lock()
	defer ns.mu.Unlock()
	defer ns.wrote()

	e, ok := ns.tokens.get(key)
	if !ok {
		return "", store.ErrNotFound
	}
	e.fam.revoked = true
	return e.fam.id(), nil
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

	k, _ := ns.salt.familyKey(familyID)
	if have, ok := ns.families.get(k); ok {
		have.revoked = true
		return nil
	}
	fam := ns.newFamily(familyID)
	fam.revoked, fam.tomb = true, true
	ns.families.put(fam)
	ns.addItem(&item{slot: slot{exp: expiryOf(ns.clk.Now().Add(tombstoneLife))}, kind: kindFamily, key: string(fam.key[:])})
	return nil
}
