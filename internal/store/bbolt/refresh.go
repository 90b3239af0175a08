package bbolt

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// tombstoneLife is how long a family revoked before it had tokens is
// remembered (as in package memory: the race it guards lasts one request).
const tombstoneLife = 24 * time.Hour

// token is a decoded refresh token.
type token struct {
	key     string
	exp     uint64
	retired bool
	rec     store.RefreshRecord
}

func (t *tx) token(key string) (*token, error) {
	v := t.t.Get([]byte(key))
	if v == nil {
		return nil, nil
	}
	exp, retired, body := parseEntry(v)
	tok := &token{key: key, exp: exp, retired: retired}
	if err := json.Unmarshal(body, &tok.rec); err != nil {
		return nil, err
	}
	return tok, nil
}

func (t *tx) putToken(tok *token) error {
	body, err := json.Marshal(tok.rec)
	if err != nil {
		return err
	}
	return t.t.Put([]byte(tok.key), entry(tok.exp, tok.retired, body))
}

func (t *tx) family(id string) (*familyRec, error) {
	v := t.f.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	var f familyRec
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

func (t *tx) putFamily(id string, f *familyRec) error {
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return t.f.Put([]byte(id), v)
}

// record returns tok's record with its family's live access stamps.
func (t *tx) record(tok *token, f *familyRec) store.RefreshRecord {
	r := tok.rec
	r.Access = nil
	if f != nil {
		now := t.now.Unix()
		for _, a := range f.Access {
			if a.Exp == 0 || now < a.Exp {
				r.Access = append(r.Access, a)
			}
		}
	}
	return r
}

// claim frees token's name for a new token: ErrExists if a live token
// holds it; an expired one is dropped.
func (t *tx) claim(key string) error {
	tok, err := t.token(key)
	if err != nil || tok == nil {
		return err
	}
	if !expired(t.now, tok.exp) {
		return store.ErrExists
	}
	return t.dropToken(key)
}

// addToken stores a new active token in family id, whose record f is
// updated and written.
func (t *tx) addToken(key string, rec store.RefreshRecord, id string, f *familyRec, access []store.AccessStamp) error {
	rec.Grant.FamilyID = id
	rec.Access = nil
	tok := &token{key: key, exp: nanos(rec.ExpiresAt), rec: rec}
	if err := t.index(tok.exp, kindToken, key); err != nil {
		return err
	}
	if err := t.putToken(tok); err != nil {
		return err
	}
	if f.Tomb != 0 {
		if err := t.unindex(f.Tomb, kindFamily, id); err != nil {
			return err
		}
		f.Tomb = 0
	}
	f.Tokens++
	f.Newest = key
	f.join(access, t.now)
	return t.putFamily(id, f)
}

// dropToken forgets a token and, with its last token, its family.
func (t *tx) dropToken(key string) error {
	tok, err := t.token(key)
	if err != nil || tok == nil {
		return err
	}
	if err := t.unindex(tok.exp, kindToken, key); err != nil {
		return err
	}
	if err := t.t.Delete([]byte(key)); err != nil {
		return err
	}
	id := tok.rec.Grant.FamilyID
	f, err := t.family(id)
	if err != nil || f == nil {
		return err
	}
	if f.Newest == key {
		f.Newest = ""
	}
	if f.Tokens--; f.Tokens <= 0 {
		return t.f.Delete([]byte(id))
	}
	return t.putFamily(id, f)
}

// IssueRefresh stores a new active token; a revoked family refuses it.
func (ns *namespace) IssueRefresh(ctx context.Context, key string, rec store.RefreshRecord) error {
	rec.Grant = rec.Grant.Clone()
	return ns.update(ctx, func(t *tx) error {
		if err := t.claim(key); err != nil {
			return err
		}
		id := rec.Grant.FamilyID
		f, err := t.family(id)
		if err != nil {
			return err
		}
		if f == nil {
			f = &familyRec{}
		} else if f.Revoked {
			return store.ErrRevoked
		}
		return t.addToken(key, rec, id, f, rec.Access)
	})
}

// present judges a presented token, as package memory does: expiry first,
// then retirement (reuse), then revocation.
func (t *tx) present(key string) (*token, *familyRec, error) {
	tok, err := t.token(key)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case tok == nil:
		return nil, nil, store.ErrNotFound
	case expired(t.now, tok.exp):
		return nil, nil, store.ErrExpired
	}
	f, err := t.family(tok.rec.Grant.FamilyID)
	if err != nil {
		return nil, nil, err
	}
	if f == nil { // cannot happen while the token exists; be safe
		f = &familyRec{Tokens: 1}
	}
	switch {
	case tok.retired:
		return tok, f, store.ErrReused
	case f.Revoked:
		return tok, f, store.ErrRevoked
	}
	return tok, f, nil
}

// verdict is an outcome that commits: the transaction succeeds and the
// caller still gets the error.
type verdict struct{ err error }

func (ns *namespace) LookupRefresh(ctx context.Context, key string) (store.RefreshRecord, error) {
	var rec store.RefreshRecord
	var v verdict
	found, err := ns.view(ctx, func(t *tx) error {
		tok, f, err := t.present(key)
		if tok != nil {
			rec = t.record(tok, f)
		}
		if isVerdict(err) {
			v.err = err
			return nil
		}
		return err
	})
	if err != nil {
		return store.RefreshRecord{}, err
	}
	if !found {
		return store.RefreshRecord{}, store.ErrNotFound
	}
	return rec, v.err
}

func isVerdict(err error) bool {
	for _, e := range []error{store.ErrNotFound, store.ErrExpired, store.ErrReused, store.ErrRevoked} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// RotateRefresh retires presented and issues next in one transaction. A
// replay revokes the family and commits that before returning ErrReused.
func (ns *namespace) RotateRefresh(ctx context.Context, presented, next string, update func(store.RefreshRecord) (store.RefreshRecord, error)) (store.RefreshRecord, error) {
	var out store.RefreshRecord
	var v verdict
	err := ns.update(ctx, func(t *tx) error {
		tok, f, err := t.present(presented)
		switch {
		case errors.Is(err, store.ErrReused):
			f.Revoked = true
			out, v.err = t.record(tok, f), err
			return t.putFamily(tok.rec.Grant.FamilyID, f)
		case tok == nil && isVerdict(err):
			v.err = err
			return nil
		case isVerdict(err):
			out, v.err = t.record(tok, f), err
			return nil
		case err != nil:
			return err
		}
		if n, err := t.token(next); err != nil {
			return err
		} else if n != nil && !expired(t.now, n.exp) {
			return store.ErrExists
		}
		out = t.record(tok, f)
		in := tok.rec
		in.Grant = in.Grant.Clone()
		succ, err := update(in)
		if err != nil {
			return err
		}
		if err := t.claim(next); err != nil {
			return err
		}
		tok.retired = true
		if err := t.putToken(tok); err != nil {
			return err
		}
		id := tok.rec.Grant.FamilyID
		if f, err = t.family(id); err != nil { // claim may have changed it
			return err
		}
		succ.Grant = succ.Grant.Clone()
		return t.addToken(next, succ, id, f, succ.Access)
	})
	if err != nil {
		return store.RefreshRecord{}, err
	}
	return out, v.err
}

// LookupFamily returns the record of a family's newest token.
func (ns *namespace) LookupFamily(ctx context.Context, id string) (store.RefreshRecord, error) {
	var out store.RefreshRecord
	verdict := store.ErrNotFound
	_, err := ns.view(ctx, func(t *tx) error {
		f, err := t.family(id)
		if err != nil || f == nil || f.Newest == "" {
			return err
		}
		tok, err := t.token(f.Newest)
		if err != nil || tok == nil || expired(t.now, tok.exp) {
			return err
		}
		out, verdict = t.record(tok, f), nil
		if f.Revoked {
			verdict = store.ErrRevoked
		}
		return nil
	})
	if err != nil {
		return store.RefreshRecord{}, err
	}
	if errors.Is(verdict, store.ErrNotFound) {
		return store.RefreshRecord{}, verdict
	}
	return out, verdict
}

// RevokeRefresh revokes the family of any token it still holds.
func (ns *namespace) RevokeRefresh(ctx context.Context, key string) (string, error) {
	var id string
	err := ns.update(ctx, func(t *tx) error {
		tok, err := t.token(key)
		if err != nil {
			return err
		}
		if tok == nil {
			return store.ErrNotFound
		}
		id = tok.rec.Grant.FamilyID
		return t.revoke(id)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RevokeFamily revokes a family; an unknown one becomes a tombstone.
func (ns *namespace) RevokeFamily(ctx context.Context, id string) error {
	return ns.update(ctx, func(t *tx) error { return t.revoke(id) })
}

func (t *tx) revoke(id string) error {
	f, err := t.family(id)
	if err != nil {
		return err
	}
	if f == nil {
		f = &familyRec{Tomb: nanos(t.now.Add(tombstoneLife))}
		if err := t.index(f.Tomb, kindFamily, id); err != nil {
			return err
		}
	}
	f.Revoked = true
	return t.putFamily(id, f)
}
