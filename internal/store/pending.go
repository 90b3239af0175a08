package store

import (
	"context"
	"encoding/json"
	"time"
)

// Pending keeps what an interactive page (a login, a consent) is
// answering, under a random id that is the page's only hidden field: the
// form cannot be forged into another request (CSRF), and Take lets exactly
// one submit act on it, so a double click cannot mint twice.
type Pending[T any] struct {
	// Prefix namespaces the record keys ("pending:").
	Prefix string
	// TTL is how long the page stays answerable.
	TTL time.Duration
}

// maxPendingID bounds the ids looked up, so a forged form cannot make the
// store hash megabytes; real ids are 43 characters.
const maxPendingID = 128

// Save stores v under id until now+TTL.
func (p Pending[T]) Save(ctx context.Context, rs Records, id string, v T, now time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return rs.PutRecord(ctx, p.Prefix+id, b, now.Add(p.TTL))
}

// Load returns what id holds, ErrNotFound, or ErrExpired, leaving it in
// place (a wrong password re-shows the page with the same id).
func (p Pending[T]) Load(ctx context.Context, rs Records, id string) (T, error) {
	var v T
	if id == "" || len(id) > maxPendingID {
		return v, ErrNotFound
	}
	b, err := rs.GetRecord(ctx, p.Prefix+id)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(b, &v)
}

// Take deletes id and reports whether this call was the one that did.
func (p Pending[T]) Take(ctx context.Context, rs Records, id string) bool {
	if id == "" || len(id) > maxPendingID {
		return false
	}
	taken := false
	err := rs.UpdateRecord(ctx, p.Prefix+id, func(_ []byte, found bool) ([]byte, time.Time, error) {
		if !found {
			return nil, time.Time{}, ErrNotFound
		}
		taken = true
		return nil, time.Time{}, nil
	})
	return err == nil && taken
}
