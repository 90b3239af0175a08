package jwtutil

import "encoding/json"

// JWKS returns the set's public keys as a JSON Web Key Set document
// ({"keys":[...]}, RFC 7517 §5), active key first. HMAC keys are never
// included. The document is rendered when the set changes, not per call:
// the returned slice is shared and callers must not modify it.
func (s *KeySet) JWKS() []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.jwks
}

// render rebuilds the JWKS document. The caller holds the write lock (or
// owns the set exclusively). A fresh slice is built each time, so documents
// already handed out never change underneath their readers.
func (s *KeySet) render() {
	doc := struct {
		Keys []map[string]any `json:"keys"`
	}{Keys: []map[string]any{}}
	for _, k := range s.orderedLocked() {
		if jwk := k.PublicJWK(); jwk != nil {
			doc.Keys = append(doc.Keys, jwk)
		}
	}
	b, err := json.Marshal(doc)
	if err != nil { // strings only: cannot happen
		panic("jwtutil: render JWKS: " + err.Error())
	}
	s.jwks = b
}
