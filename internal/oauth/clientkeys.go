package oauth

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/authmock/authmock/jwtutil"
)

// maxClientKeys bounds how many keys one client may register, so a
// verification tries a bounded number of keys.
const maxClientKeys = 16

// ParseClientJWKS reads a client's registered public keys: a JWK Set
// ({"keys":[...]}, RFC 7517 §5). Symmetric ("oct") keys are refused: a
// client secret signs client_secret_jwt, and an HMAC key in a public set
// would invite algorithm confusion.
func ParseClientJWKS(data []byte) ([]*jwtutil.Key, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a JWK Set: %w", err)
	}
	switch {
	case doc.Keys == nil:
		return nil, errors.New(`not a JWK Set: no "keys" array`)
	case len(doc.Keys) == 0:
		return nil, errors.New("the JWK Set holds no keys")
	case len(doc.Keys) > maxClientKeys:
		return nil, fmt.Errorf("the JWK Set holds %d keys (at most %d)", len(doc.Keys), maxClientKeys)
	}
	out := make([]*jwtutil.Key, 0, len(doc.Keys))
	for i, raw := range doc.Keys {
		k, err := jwtutil.ParseJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		switch {
		case k.Public() == nil:
			return nil, fmt.Errorf("keys[%d]: a symmetric key cannot be registered; client_secret_jwt signs with the client secret", i)
		case k.CanSign():
			return nil, fmt.Errorf("keys[%d]: holds private key members; register the public key only", i)
		}
		out = append(out, k)
	}
	return out, nil
}
