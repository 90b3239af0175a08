package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// errChanged is a script's answer when what Go read has changed before the
// script ran; the operation is retried.
var errChanged = errors.New("redis store: changed")

func answer(s string) error {
	if s == "changed" {
		return errChanged
	}
	return verdict(s)
}

// PutCode stores a new code.
func (ns *namespace) PutCode(ctx context.Context, code string, g store.Grant, expiresAt time.Time) error {
	body, err := json.Marshal(g)
	if err != nil {
		return err
	}
	e, score := expiry(expiresAt)
	v, err := ns.run(ctx, putCode, code, e, score, body)
	if err != nil {
		return err
	}
	defer ns.wrote(ctx)
	return verdict(str(v))
}

// ConsumeCode reads the code, runs check in Go, then consumes it with a
// script that re-judges it: a concurrent consume makes this one
// ErrConsumed, exactly as if it had come second.
func (ns *namespace) ConsumeCode(ctx context.Context, code string, check func(store.Grant) error) (store.Grant, error) {
	for {
		v, err := ns.run(ctx, consumeCode, code, "")
		if err != nil {
			return store.Grant{}, err
		}
		a := strs(v)
		if err := verdict(str(a[0])); err != nil && !errors.Is(err, store.ErrConsumed) {
			return store.Grant{}, err
		}
		var g store.Grant
		if err := json.Unmarshal([]byte(str(a[1])), &g); err != nil {
			return store.Grant{}, err
		}
		if str(a[0]) == "consumed" {
			return g, store.ErrConsumed
		}
		if check != nil {
			if err := check(g.Clone()); err != nil {
				return store.Grant{}, err
			}
		}
		v, err = ns.run(ctx, consumeCode, code, str(a[1]))
		if err != nil {
			return store.Grant{}, err
		}
		a = strs(v)
		switch err := answer(str(a[0])); {
		case errors.Is(err, errChanged):
			continue
		case errors.Is(err, store.ErrConsumed):
			return g, err
		case err != nil:
			return store.Grant{}, err
		}
		ns.wrote(ctx)
		return g, nil
	}
}

// refreshArgs encodes a record for the scripts: JSON without the access
// stamps, its expiry and score.
func refreshArgs(rec store.RefreshRecord) ([]byte, string, int64, error) {
	rec.Access = nil
	body, err := json.Marshal(rec)
	e, score := expiry(rec.ExpiresAt)
	return body, e, score, err
}

// IssueRefresh stores a new active token.
func (ns *namespace) IssueRefresh(ctx context.Context, token string, rec store.RefreshRecord) error {
	body, e, score, err := refreshArgs(rec)
	if err != nil {
		return err
	}
	args := append([]any{token, rec.Grant.FamilyID, body, e, score}, stamps(rec.Access)...)
	v, err := ns.run(ctx, issueRefresh, args...)
	if err != nil {
		return err
	}
	defer ns.wrote(ctx)
	return verdict(str(v))
}

// decodeRecord reads a {verdict, record JSON, stamps...} answer.
func (ns *namespace) decodeRecord(v any) (store.RefreshRecord, string, error) {
	a := strs(v)
	if len(a) < 2 {
		return store.RefreshRecord{}, "", fmt.Errorf("redis store: unexpected answer %v", v)
	}
	body := str(a[1])
	if body == "" {
		return store.RefreshRecord{}, "", answer(str(a[0]))
	}
	var rec store.RefreshRecord
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		return store.RefreshRecord{}, "", err
	}
	access, err := parseStamps(a[2:], ns.b.clk.Now())
	if err != nil {
		return store.RefreshRecord{}, "", err
	}
	rec.Access = access
	return rec, body, answer(str(a[0]))
}

// LookupRefresh returns an active token's record.
func (ns *namespace) LookupRefresh(ctx context.Context, token string) (store.RefreshRecord, error) {
	v, err := ns.run(ctx, lookupRefresh, token)
	if err != nil {
		return store.RefreshRecord{}, err
	}
	rec, _, err := ns.decodeRecord(v)
	return rec, err
}

// RotateRefresh judges presented with one script (which revokes the family
// of a replay), runs update in Go, then retires and issues with a second
// script that judges presented again: of concurrent rotations exactly one
// finds it active, and the others find it retired, which is reuse.
func (ns *namespace) RotateRefresh(ctx context.Context, presented, next string, update func(store.RefreshRecord) (store.RefreshRecord, error)) (store.RefreshRecord, error) {
	for {
		v, err := ns.run(ctx, rotateRefresh, presented, next, "")
		if err != nil {
			return store.RefreshRecord{}, err
		}
		out, body, err := ns.decodeRecord(v)
		if err != nil {
			if errors.Is(err, store.ErrReused) {
				ns.wrote(ctx)
			}
			return out, err
		}
		in := out
		in.Grant = in.Grant.Clone()
		in.Access = nil
		succ, err := update(in)
		if err != nil {
			return store.RefreshRecord{}, err
		}
		succ.Grant.FamilyID = out.Grant.FamilyID
		sbody, e, score, err := refreshArgs(succ)
		if err != nil {
			return store.RefreshRecord{}, err
		}
		args := append([]any{presented, next, body, sbody, e, score}, stamps(succ.Access)...)
		v, err = ns.run(ctx, rotateRefresh, args...)
		if err != nil {
			return store.RefreshRecord{}, err
		}
		got, _, err := ns.decodeRecord(v)
		if errors.Is(err, errChanged) {
			continue
		}
		ns.wrote(ctx)
		if err != nil {
			return got, err
		}
		return out, nil
	}
}

// LookupFamily returns the record of a family's newest token.
func (ns *namespace) LookupFamily(ctx context.Context, familyID string) (store.RefreshRecord, error) {
	v, err := ns.run(ctx, lookupFamily, familyID)
	if err != nil {
		return store.RefreshRecord{}, err
	}
	rec, _, err := ns.decodeRecord(v)
	return rec, err
}

func (ns *namespace) tomb() (string, int64) {
	return expiry(ns.b.clk.Now().Add(tombstoneLife))
}

// RevokeRefresh revokes the family of any token it still holds.
func (ns *namespace) RevokeRefresh(ctx context.Context, token string) (string, error) {
	e, score := ns.tomb()
	v, err := ns.run(ctx, revokeRefresh, token, e, score)
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", store.ErrNotFound
	}
	ns.wrote(ctx)
	return str(v), nil
}

// RevokeFamily revokes a family; an unknown one becomes a tombstone.
func (ns *namespace) RevokeFamily(ctx context.Context, familyID string) error {
	e, score := ns.tomb()
	_, err := ns.run(ctx, revokeFamily, familyID, e, score)
	ns.wrote(ctx)
	return err
}

// Mark raises a key's mark and extends its life.
func (ns *namespace) Mark(ctx context.Context, key string, level uint8, until time.Time) (uint8, error) {
	e, score := expiry(until)
	wall := ""
	if !until.IsZero() {
		wall = pad(nanos(ns.b.cfg.wall.Now().Add(until.Sub(ns.b.clk.Now()))))
	}
	v, err := ns.run(ctx, mark, key, level, e, wall, score)
	if err != nil {
		return 0, err
	}
	n, _ := v.(int64)
	return uint8(n), nil
}

// RaiseCutoff raises a key's cut-off.
func (ns *namespace) RaiseCutoff(ctx context.Context, key string, seq uint64) (uint64, error) {
	v, err := ns.run(ctx, raiseCutoff, key, fmt.Sprintf("%020d", seq))
	if err != nil {
		return 0, err
	}
	return parseCutoff(str(v))
}

func parseCutoff(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// ReadLiveness reads marks and cut-offs in one script: one round trip.
func (ns *namespace) ReadLiveness(ctx context.Context, markKeys, cutoffKeys []string, cutoffs []uint64) (uint8, error) {
	args := make([]any, 0, 1+len(markKeys)+len(cutoffKeys))
	args = append(args, len(markKeys))
	for _, k := range markKeys {
		args = append(args, k)
	}
	for _, k := range cutoffKeys {
		args = append(args, k)
	}
	v, err := ns.run(ctx, readLiveness, args...)
	if err != nil {
		return 0, err
	}
	a := strs(v)
	if len(a) != 1+len(cutoffKeys) {
		return 0, fmt.Errorf("redis store: unexpected answer %v", v)
	}
	level, _ := a[0].(int64)
	for i := range cutoffKeys {
		if cutoffs[i], err = parseCutoff(str(a[1+i])); err != nil {
			return 0, err
		}
	}
	return uint8(level), nil
}

// GetRecord returns a live record's value.
func (ns *namespace) GetRecord(ctx context.Context, key string) ([]byte, error) {
	v, err := ns.run(ctx, getRecord, key)
	if err != nil {
		return nil, err
	}
	a := strs(v)
	if err := verdict(str(a[0])); err != nil {
		return nil, err
	}
	return []byte(str(a[1])), nil
}

// PutRecord creates or replaces a record.
func (ns *namespace) PutRecord(ctx context.Context, key string, value []byte, expiresAt time.Time) error {
	return ns.UpdateRecord(ctx, key, func([]byte, bool) ([]byte, time.Time, error) {
		if value == nil {
			value = []byte{}
		}
		return value, expiresAt, nil
	})
}

// UpdateRecord reads the record, runs update in Go, and writes the result
// with a script that checks the record is still what update saw; if it is
// not, it starts again. Under contention from another replica update can
// therefore run more than once, each time on the record as it then is:
// only the last run's result is stored. Within one process, updates of one
// key take turns (a striped lock), so that 64 goroutines do not livelock
// retrying each other out.
func (ns *namespace) UpdateRecord(ctx context.Context, key string, update func(old []byte, found bool) ([]byte, time.Time, error)) error {
	mu := ns.b.stripe(ns.base + key)
	mu.Lock()
	defer mu.Unlock()
	for range casRetries {
		v, err := ns.run(ctx, getRecord, key)
		if err != nil {
			return err
		}
		a := strs(v)
		present, found := str(a[0]) != "notfound", str(a[0]) == "ok"
		var old []byte
		if found {
			old = []byte(str(a[1]))
		}
		// An expired record is not handed to update, but the write is
		// still conditional on it.
		oldValue, oldExp := str(a[1]), str(a[2])
		value, expiresAt, err := update(old, found)
		if err != nil {
			return err
		}
		op := "set"
		if value == nil {
			op, value = "del", []byte{}
		}
		e, score := expiry(expiresAt)
		flag := "0"
		if present {
			flag = "1"
		}
		v, err = ns.run(ctx, casRecord, key, flag, oldValue, oldExp, op, value, e, score)
		if err != nil {
			return err
		}
		if err := answer(str(v)); !errors.Is(err, errChanged) {
			ns.wrote(ctx)
			return err
		}
	}
	return fmt.Errorf("redis store: record %q changed %d times under update", key, casRetries)
}

// DeleteRecord removes a record, live or expired.
func (ns *namespace) DeleteRecord(ctx context.Context, key string) error {
	return ns.UpdateRecord(ctx, key, func([]byte, bool) ([]byte, time.Time, error) { return nil, time.Time{}, nil })
}

// ListRecords returns the live records under prefix, sorted by key.
func (ns *namespace) ListRecords(ctx context.Context, prefix string) ([]store.Record, error) {
	v, err := ns.run(ctx, listRecords, "["+prefix, "["+prefix+"\xff\xff\xff\xff")
	if prefix == "" {
		v, err = ns.run(ctx, listRecords, "-", "+")
	}
	if err != nil {
		return nil, err
	}
	a := strs(v)
	var out []store.Record
	for i := 0; i+1 < len(a); i += 2 {
		out = append(out, store.Record{Key: str(a[i]), Value: []byte(str(a[i+1]))})
	}
	return out, nil
}
