package keyload

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/authmock/authmock/jwtutil"
)

// Records is the part of an instance's store that keeps generated keys.
type Records interface {
	UpdateRecord(ctx context.Context, key string, update func(old []byte, found bool) ([]byte, time.Time, error)) error
}

// Option changes how LoadKeySet loads keys.
type Option func(*options)

type options struct{ shared Records }

// Shared keeps "generate" keys in st (see LoadKeySet).
func Shared(st Records) Option { return func(o *options) { o.shared = st } }

// sharedTimeout bounds the store call at start-up: a store that cannot
// answer is a start-up error, not a hang.
const sharedTimeout = 10 * time.Second

// storedKey is a generated key as the store keeps it: the private key as
// PKCS#8 PEM, or an HS256 secret.
type storedKey struct {
	Alg    jwtutil.Algorithm `json:"alg"`
	PEM    string            `json:"pem,omitempty"`
	Secret []byte            `json:"secret,omitempty"`
}

// sharedKey returns the generated key of spec index i from st, making and
// storing it if no process has yet. The store's atomic update decides
// which process's key wins; every process then loads that one.
func sharedKey(st Records, i int, alg jwtutil.Algorithm) (*jwtutil.Key, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	var kept []byte
	err := st.UpdateRecord(ctx, "keys/generated/"+strconv.Itoa(i), func(old []byte, found bool) ([]byte, time.Time, error) {
		if found {
			kept = old
			return old, time.Time{}, nil
		}
		fresh, err := newStoredKey(alg)
		if err != nil {
			return nil, time.Time{}, err
		}
		kept = fresh
		return fresh, time.Time{}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("keeping the generated key in the store: %w", err)
	}
	var sk storedKey
	if err := json.Unmarshal(kept, &sk); err != nil {
		return nil, fmt.Errorf("the stored generated key: %w", err)
	}
	if sk.Alg != alg {
		return nil, fmt.Errorf("the store holds a generated %s key for this position, not %s: reset the store or change \"alg\" back", sk.Alg, alg)
	}
	if sk.Alg == jwtutil.HS256 {
		return jwtutil.NewHMAC(sk.Secret)
	}
	return jwtutil.ParsePEM([]byte(sk.PEM), alg)
}

func newStoredKey(alg jwtutil.Algorithm) ([]byte, error) {
	sk := storedKey{Alg: alg}
	if alg == jwtutil.HS256 {
		sk.Secret = make([]byte, 32)
		if _, err := rand.Read(sk.Secret); err != nil {
			return nil, err
		}
	} else {
		k, err := jwtutil.GenerateKey(alg)
		if err != nil {
			return nil, err
		}
		pem, err := k.MarshalPrivatePEM()
		if err != nil {
			return nil, err
		}
		sk.PEM = string(pem)
	}
	return json.Marshal(sk)
}
