package jwtutil

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func kids(keys []*Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.KID()
	}
	return out
}

func jwksKIDs(t *testing.T, doc []byte) []string {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(doc, &set))
	out := make([]string, len(set.Keys))
	for i, k := range set.Keys {
		out[i] = k["kid"].(string)
	}
	return out
}

func headerKID(t *testing.T, tok string) string {
	t.Helper()
	p, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	require.NoError(t, err)
	return p.Header["kid"].(string)
}

func TestNewKeySet(t *testing.T) {
	a := demoKey(t, RS256)
	pub, err := ParseJWK(mustJSON(t, demoKey(t, ES256).PublicJWK()))
	require.NoError(t, err)
	tests := []struct {
		name    string
		active  *Key
		others  []*Key
		wantErr error // nil: any error is fine when wantAnyErr
		anyErr  bool
	}{
		{name: "one key", active: a},
		{name: "with verify-only", active: a, others: []*Key{pub}},
		{name: "nil active", active: nil, anyErr: true},
		{name: "verify-only active", active: pub, wantErr: ErrInvalidKey},
		{name: "duplicate kid", active: a, others: []*Key{demoKey(t, EdDSA).WithKID(a.KID())}, anyErr: true},
		{name: "same key twice", active: a, others: []*Key{a}, anyErr: true},
		{name: "nil other", active: a, others: []*Key{nil}, anyErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewKeySet(tc.active, tc.others...)
			switch {
			case tc.wantErr != nil:
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, s)
			case tc.anyErr:
				assert.Error(t, err)
				assert.Nil(t, s)
			default:
				require.NoError(t, err)
				assert.Same(t, tc.active, s.Active())
				assert.Len(t, s.Keys(), 1+len(tc.others))
			}
		})
	}
}

func TestKeySetRotation(t *testing.T) {
	a := demoKey(t, RS256).WithKID("A")
	b := demoKey(t, ES256).WithKID("B")
	s := newSet(t, a)

	tokA, err := s.Sign(validClaims())
	require.NoError(t, err)
	assert.Equal(t, "A", headerKID(t, tokA))

	require.NoError(t, s.Add(b))
	assert.Same(t, a, s.Active(), "Add does not activate")
	require.NoError(t, s.Rotate("B"))
	assert.Same(t, b, s.Active())

	tokB, err := s.Sign(validClaims())
	require.NoError(t, err)
	assert.Equal(t, "B", headerKID(t, tokB), "new tokens carry B's kid")

	_, err = s.Verify(tokA, nil, verifyOpts())
	assert.NoError(t, err, "A's tokens still verify after rotation")
	_, err = s.Verify(tokB, nil, verifyOpts())
	assert.NoError(t, err)

	assert.Equal(t, []string{"B", "A"}, jwksKIDs(t, s.JWKS()), "JWKS lists both, active first")
	assert.Equal(t, []string{"B", "A"}, kids(s.Keys()))

	require.NoError(t, s.Remove("A"))
	_, err = s.Verify(tokA, nil, verifyOpts())
	assert.ErrorIs(t, err, ErrUnknownKey, "A's tokens fail once A is removed")
	_, err = s.Verify(tokB, nil, verifyOpts())
	assert.NoError(t, err)
	assert.Equal(t, []string{"B"}, jwksKIDs(t, s.JWKS()))

	// Rotating to the active key is a no-op.
	require.NoError(t, s.Rotate("B"))
	assert.Same(t, b, s.Active())
}

func TestKeySetErrors(t *testing.T) {
	a := demoKey(t, EdDSA).WithKID("A")
	pub, err := ParseJWK(mustJSON(t, demoKey(t, ES256).WithKID("P").PublicJWK()))
	require.NoError(t, err)
	s := newSet(t, a, pub)

	tests := []struct {
		name    string
		op      func() error
		wantErr error
	}{
		{"add duplicate kid", func() error { return s.Add(genKey(t, HS256).WithKID("A")) }, nil},
		{"add nil", func() error { return s.Add(nil) }, nil},
		{"rotate unknown", func() error { return s.Rotate("nope") }, ErrUnknownKey},
		{"rotate to verify-only", func() error { return s.Rotate("P") }, ErrInvalidKey},
		{"remove unknown", func() error { return s.Remove("nope") }, ErrUnknownKey},
		{"remove active", func() error { return s.Remove("A") }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.JWKS()
			err := tc.op()
			require.Error(t, err)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			}
			assert.Same(t, a, s.Active(), "failed operations change nothing")
			assert.Equal(t, []string{"A", "P"}, kids(s.Keys()))
			assert.Equal(t, &before[0], &s.JWKS()[0], "JWKS not re-rendered")
		})
	}
}

func TestKeySetNoKIDSingleKey(t *testing.T) {
	k := demoKey(t, HS256)
	noKID := craft(t, map[string]any{"alg": "HS256"}, claimsMap(), func(in string) []byte {
		b, err := k.method.Sign(in, k.secret)
		require.NoError(t, err)
		return b
	})
	none := craft(t, map[string]any{"alg": "none"}, claimsMap(), nil)

	s := newSet(t, k)
	_, err := s.Verify(noKID, nil, verifyOpts())
	assert.NoError(t, err, "a one-key set accepts a kid-less token")
	_, err = s.Verify(none, nil, verifyOpts())
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid, "but never alg none")

	require.NoError(t, s.Add(genKey(t, HS256)))
	_, err = s.Verify(noKID, nil, verifyOpts())
	assert.ErrorIs(t, err, ErrUnknownKey, "a two-key set does not guess")
}

// TestKeySetConcurrent exercises the locking under -race: signers and
// verifiers run while keys are added, rotated and removed.
func TestKeySetConcurrent(t *testing.T) {
	base := demoKey(t, EdDSA).WithKID("base")
	s := newSet(t, base)
	stable, err := s.Sign(validClaims())
	require.NoError(t, err)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				tok, err := s.Sign(validClaims())
				if !assert.NoError(t, err) {
					return
				}
				// The signer may be removed before we verify; only an
				// unknown key is an acceptable failure.
				if _, err := s.Verify(tok, nil, verifyOpts()); err != nil {
					assert.ErrorIs(t, err, ErrUnknownKey)
				}
				_, err = s.Verify(stable, nil, verifyOpts())
				assert.NoError(t, err)
				assert.NotEmpty(t, s.JWKS())
			}
		})
	}
	keys := []*Key{genKey(t, ES256), genKey(t, HS256), genKey(t, EdDSA)}
	for i := range 30 {
		k := keys[i%len(keys)].WithKID(fmt.Sprint("k", i))
		require.NoError(t, s.Add(k))
		require.NoError(t, s.Rotate(k.KID()))
		require.NoError(t, s.Rotate("base"))
		require.NoError(t, s.Remove(k.KID()))
	}
	close(stop)
	wg.Wait()
	assert.Equal(t, []string{"base"}, kids(s.Keys()))
}
