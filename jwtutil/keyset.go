package jwtutil

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// KeySet is the keys of one issuer: exactly one active signing key plus any
// number of others that still verify (a rotated-out signer, a published
// next key, a verify-only public key). It is safe for concurrent use. Sign
// takes no lock, Verify and JWKS only a read lock, and none re-parses keys
// or re-renders the JWKS; Add, Rotate and Remove re-render it.
type KeySet struct {
	mu sync.RWMutex
	// active is changed under mu and read without it: every token signed
	// asks for it.
	active atomic.Pointer[Key]
	keys   []*Key          // every key, in the order added (active included)
	byKID  map[string]*Key // KID() -> key
	jwks   []byte          // rendered JWKS, replaced (never mutated) on change
}

// NewKeySet returns a set whose active signing key is active. Every key
// needs a distinct kid, and active must be able to sign.
func NewKeySet(active *Key, others ...*Key) (*KeySet, error) {
	if active == nil {
		return nil, errors.New("jwtutil: NewKeySet: nil active key")
	}
	if !active.CanSign() {
		return nil, fmt.Errorf("%w: active key %s is verify-only", ErrInvalidKey, active.KID())
	}
	s := &KeySet{byKID: make(map[string]*Key, 1+len(others))}
	s.active.Store(active)
	for _, k := range append([]*Key{active}, others...) {
		if err := s.addLocked(k); err != nil {
			return nil, err
		}
	}
	s.render()
	return s, nil
}

// Active returns the key new tokens are signed with.
func (s *KeySet) Active() *Key {
	return s.active.Load()
}

// Keys returns every key, the active one first and the rest in the order
// they were added. The slice is a fresh copy.
func (s *KeySet) Keys() []*Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.orderedLocked()
}

// Add adds a key that verifies tokens from now on. If it can sign, Rotate
// can later make it active. A kid already in the set is an error.
func (s *KeySet) Add(k *Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.addLocked(k); err != nil {
		return err
	}
	s.render()
	return nil
}

// Rotate makes the signing key kid active. The previously active key stays
// in the set, so the tokens it signed keep verifying until it is removed.
func (s *KeySet) Rotate(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.byKID[kid]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	}
	if !k.CanSign() {
		return fmt.Errorf("%w: key %s is verify-only and cannot become active", ErrInvalidKey, kid)
	}
	if k == s.active.Load() {
		return nil
	}
	s.active.Store(k)
	s.render()
	return nil
}

// Remove drops the key kid; tokens it signed stop verifying. The active key
// cannot be removed (Rotate away from it first).
func (s *KeySet) Remove(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.byKID[kid]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	}
	if k == s.active.Load() {
		return fmt.Errorf("jwtutil: cannot remove the active key %s", kid)
	}
	delete(s.byKID, kid)
	s.keys = slices.DeleteFunc(s.keys, func(x *Key) bool { return x == k })
	s.render()
	return nil
}

// lookup returns the key a token names: by kid, or, for a token without a
// kid, the only key of a one-key set.
func (s *KeySet) lookup(kid string, hasKID bool) (*Key, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !hasKID {
		if len(s.keys) == 1 {
			return s.keys[0], true
		}
		return nil, false
	}
	k, ok := s.byKID[kid]
	return k, ok
}

func (s *KeySet) addLocked(k *Key) error {
	if k == nil {
		return errors.New("jwtutil: nil key")
	}
	if _, dup := s.byKID[k.KID()]; dup {
		return fmt.Errorf("jwtutil: duplicate kid %q", k.KID())
	}
	s.byKID[k.KID()] = k
	s.keys = append(s.keys, k)
	return nil
}

func (s *KeySet) orderedLocked() []*Key {
	out := make([]*Key, 0, len(s.keys))
	active := s.active.Load()
	out = append(out, active)
	for _, k := range s.keys {
		if k != active {
			out = append(out, k)
		}
	}
	return out
}
