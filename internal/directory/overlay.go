package directory

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/authmock/authmock/fixtures"
)

// Overlay implements Collection: the clients and users that differ from
// the configured ones.
func (d *Directory) Overlay() (Overlay, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	clients, err := Diff(d.initialClients, *d.clients.Load(), func(c fixtures.Client) string { return c.ID })
	if err != nil {
		return nil, err
	}
	users, err := Diff(d.initialUsers, d.users, func(u fixtures.User) string { return u.Username })
	if err != nil {
		return nil, err
	}
	return Overlay{KindClients: clients, KindUsers: users}, nil
}

// Restore implements Collection: the configured clients and users, with
// ov's changed, added and deleted ones.
func (d *Directory) Restore(ov Overlay) error {
	clients, err := Decode[fixtures.Client](ov[KindClients], KindClients)
	if err != nil {
		return err
	}
	users, err := Decode[fixtures.User](ov[KindUsers], KindUsers)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.load()
	d.replaceClients(func(m map[string]fixtures.Client) {
		for id, c := range clients {
			if c == nil {
				delete(m, id)
				continue
			}
			c.ID = id
			m[id] = *c
		}
	})
	for name, u := range users {
		if old, ok := d.users[name]; ok {
			delete(d.bySubject, old.SubjectOrUsername())
		}
		if u == nil {
			delete(d.users, name)
			continue
		}
		u.Username = name
		d.users[name] = *u
		d.bySubject[u.SubjectOrUsername()] = name
	}
	return nil
}

// Diff returns the items of cur that differ from initial (by their JSON),
// and null for each initial item cur no longer has.
func Diff[T any](initial []T, cur map[string]T, id func(T) string) (map[string]json.RawMessage, error) {
	was := make(map[string][]byte, len(initial))
	for _, it := range initial {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		was[id(it)] = b
	}
	out := map[string]json.RawMessage{}
	for key, it := range cur {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(was[key], b) {
			out[key] = b
		}
	}
	for key := range was {
		if _, ok := cur[key]; !ok {
			out[key] = json.RawMessage("null")
		}
	}
	return out, nil
}

// Decode decodes one kind of an overlay: nil for a deleted item.
func Decode[T any](items map[string]json.RawMessage, kind string) (map[string]*T, error) {
	out := make(map[string]*T, len(items))
	for key, raw := range items {
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			out[key] = nil
			continue
		}
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, fmt.Errorf("%s %q: %w", kind, key, err)
		}
		out[key] = v
	}
	return out, nil
}
