package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

// The fixture kinds every directory can edit.
const (
	KindClients = "clients"
	KindUsers   = "users"
)

// Editor implements the "clients" and "users" collections of
// provider.FixtureEditor over a Directory. Dialects add their own rules
// through the hooks, and their own collections by wrapping it.
type Editor struct {
	Dir *Directory
	// NoClients leaves out the "clients" collection, for dialects without
	// clients (FastAPI-users).
	NoClients bool
	// CheckClient and CheckUser add a dialect's rules, with paths relative
	// to the item; nil accepts whatever the directory does.
	CheckClient func(fixtures.Client) fixtures.Problems
	CheckUser   func(fixtures.User) fixtures.Problems
	// FillUser, when set, completes a decoded user before it is checked (a
	// dialect's derived account id, say).
	FillUser func(*fixtures.User)
	// Revoke, when set, is called for a deleted client or user so that its
	// tokens stop working with it.
	Revoke func(ctx context.Context, sel provider.TokenSelector) error
	// Keep, when set, keeps every change in the instance's store (see
	// Keeper); its collections must include Dir.
	Keep *Keeper

	// mu makes each change one step with the checks that read the other
	// items (a display name no other user has, say).
	mu sync.Mutex
}

// FixtureKinds implements provider.FixtureEditor.
func (e *Editor) FixtureKinds() []string {
	if e.NoClients {
		return []string{KindUsers}
	}
	return []string{KindClients, KindUsers}
}

func (e *Editor) has(kind string) bool {
	return kind == KindUsers || (kind == KindClients && !e.NoClients)
}

// ListFixtures implements provider.FixtureEditor.
func (e *Editor) ListFixtures(_ context.Context, kind string) ([]json.RawMessage, error) {
	if !e.has(kind) {
		return nil, provider.ErrNoFixture
	}
	if kind == KindClients {
		return marshalAll(e.Dir.Clients())
	}
	return marshalAll(e.Dir.Users())
}

// GetFixture implements provider.FixtureEditor.
func (e *Editor) GetFixture(_ context.Context, kind, id string) (json.RawMessage, error) {
	var (
		v  any
		ok bool
	)
	switch {
	case !e.has(kind):
	case kind == KindClients:
		v, ok = e.Dir.client(id)
	default:
		v, ok = e.Dir.User(id)
	}
	if !ok {
		return nil, provider.ErrNoFixture
	}
	return json.Marshal(v)
}

// PutFixture implements provider.FixtureEditor. The item's own id
// (a client's "id", a user's "username") may be left out; when given it
// must be the one in the path.
func (e *Editor) PutFixture(ctx context.Context, kind, id string, item json.RawMessage) (bool, error) {
	if !e.has(kind) {
		return false, provider.ErrNoFixture
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if kind == KindClients {
		var c fixtures.Client
		if err := DecodeFixture(item, &c); err != nil {
			return false, err
		}
		if err := matchID("id", &c.ID, id); err != nil {
			return false, err
		}
		var existed bool
		err := e.change(ctx, func() error {
			_, existed = e.Dir.client(id)
			return check(e.CheckClient, c, func() fixtures.Problems { return e.Dir.PutClient(c) }, KindClients)
		})
		return err == nil && !existed, err
	}
	var u fixtures.User
	if err := DecodeFixture(item, &u); err != nil {
		return false, err
	}
	if err := matchID("username", &u.Username, id); err != nil {
		return false, err
	}
	if e.FillUser != nil {
		e.FillUser(&u)
	}
	var existed bool
	err := e.change(ctx, func() error {
		_, existed = e.Dir.User(id)
		return check(e.CheckUser, u, func() fixtures.Problems { return e.Dir.PutUser(u) }, KindUsers)
	})
	return err == nil && !existed, err
}

// DeleteFixture implements provider.FixtureEditor. A user some client
// names as its default_user cannot be deleted: the client would approve as
// nobody.
func (e *Editor) DeleteFixture(ctx context.Context, kind, id string) error {
	if !e.has(kind) {
		return provider.ErrNoFixture
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var sel provider.TokenSelector
	err := e.change(ctx, func() (err error) {
		sel, err = e.Remove(kind, id)
		return err
	})
	if err != nil {
		return err
	}
	// After the change is kept: a revocation for a deletion that did not
	// happen would outlive it.
	return e.RevokeRemoved(ctx, kind, id, sel)
}

// Remove deletes an item, neither keeping the change nor revoking: it is
// DeleteFixture's step for a dialect that makes it part of a change of its
// own, then calls RevokeRemoved. It returns the selector of the item's
// tokens.
func (e *Editor) Remove(kind, id string) (provider.TokenSelector, error) {
	var sel provider.TokenSelector
	switch {
	case !e.has(kind):
		return sel, provider.ErrNoFixture
	case kind == KindClients:
		if !e.Dir.DeleteClient(id) {
			return sel, provider.ErrNoFixture
		}
		sel.ClientID = id
		return sel, nil
	}
	for _, c := range e.Dir.Clients() {
		if c.DefaultUser == id {
			var ps fixtures.Problems
			ps.Add("", "client %q names this user as its default_user; change or delete the client first", c.ID)
			return sel, &provider.FixtureError{Problems: ps}
		}
	}
	if !e.Dir.DeleteUser(id) {
		return sel, provider.ErrNoFixture
	}
	sel.Username = id
	return sel, nil
}

// RevokeRemoved revokes the tokens of an item Remove deleted, with Revoke.
func (e *Editor) RevokeRemoved(ctx context.Context, kind, id string, sel provider.TokenSelector) error {
	if e.Revoke == nil {
		return nil
	}
	if err := e.Revoke(ctx, sel); err != nil {
		return fmt.Errorf("revoking the tokens of %s %q: %w", strings.TrimSuffix(kind, "s"), id, err)
	}
	return nil
}

// change runs op as one kept change (Keep), or as it is without one.
func (e *Editor) change(ctx context.Context, op func() error) error {
	if e.Keep == nil {
		return op()
	}
	return e.Keep.Change(ctx, op)
}

// Reset returns to the configured clients and users, at every replica when
// the changes are kept.
func (e *Editor) Reset(ctx context.Context) error {
	if e.Keep == nil {
		e.Dir.Reset()
		return nil
	}
	return e.Keep.Reset(ctx)
}

// DecodeFixture strictly decodes one item, reporting a bad one as a
// *provider.FixtureError.
func DecodeFixture(item json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = fmt.Errorf("more than one JSON value")
	}
	if err != nil {
		var ps fixtures.Problems
		ps.Add("", "%v", err)
		return &provider.FixtureError{Problems: ps}
	}
	return nil
}

// matchID fills an item's empty id from the path, and refuses a different
// one: a rename is a delete and a put.
func matchID(field string, got *string, want string) error {
	if !utf8.ValidString(want) {
		// It would come back from JSON as U+FFFD and be unreachable.
		var ps fixtures.Problems
		ps.Add(field, "must be valid UTF-8")
		return &provider.FixtureError{Problems: ps}
	}
	if *got == "" {
		*got = want
	}
	if *got != want {
		var ps fixtures.Problems
		ps.Add(field, "is %q but the path names %q", *got, want)
		return &provider.FixtureError{Problems: ps}
	}
	return nil
}

// check runs the dialect's rules, then put (the directory's own), and
// reports problems with paths relative to the item.
func check[T any](dialect func(T) fixtures.Problems, item T, put func() fixtures.Problems, kind string) error {
	if dialect != nil {
		if ps := dialect(item); len(ps) > 0 {
			return &provider.FixtureError{Problems: ps}
		}
	}
	ps := put()
	if len(ps) == 0 {
		return nil
	}
	rel := make(fixtures.Problems, len(ps))
	for i, p := range ps {
		p.Path = strings.TrimPrefix(strings.TrimPrefix(p.Path, fixtures.Index(kind, 0)), ".")
		rel[i] = p
	}
	return &provider.FixtureError{Problems: rel}
}

func marshalAll[T any](items []T) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// Revoking adapts a provider.Revoker (a dialect's lifecycle) to
// Editor.Revoke.
func Revoking(r provider.Revoker) func(context.Context, provider.TokenSelector) error {
	return func(ctx context.Context, sel provider.TokenSelector) error {
		_, err := r.Revoke(ctx, sel)
		return err
	}
}
