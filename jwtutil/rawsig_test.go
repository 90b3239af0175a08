package jwtutil

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jwtSigned is the token golang-jwt makes for the same header and claims.
func jwtSigned(t *testing.T, k *Key, typ string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.method, claims)
	tok.Header["kid"] = k.KID()
	if typ == "" {
		delete(tok.Header, "typ")
	} else {
		tok.Header["typ"] = typ
	}
	s, err := tok.SignedString(k.signingKey())
	require.NoError(t, err)
	return s
}

// jwtVerify checks tok with golang-jwt alone, independently of Verify.
func jwtVerify(t *testing.T, k *Key, tok string) {
	t.Helper()
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return k.verifyKey(), nil },
		jwt.WithValidMethods([]string{string(k.alg)}), jwt.WithTimeFunc(fixedNow))
	require.NoError(t, err)
	require.True(t, parsed.Valid)
}

// TestSignMatchesGolangJWT: the hand-built tokens are golang-jwt's, byte
// for byte, for the deterministic algorithms (HS256, EdDSA, RS256's
// PKCS#1 v1.5), and verify with golang-jwt and Verify for all of them.
func TestSignMatchesGolangJWT(t *testing.T) {
	claimsKinds := map[string]func(t *testing.T) jwt.Claims{
		"encoding/json":  func(*testing.T) jwt.Claims { return validClaims() },
		"ClaimsAppender": func(t *testing.T) jwt.Claims { return newAppenderClaims(t, validClaims()) },
	}
	for _, alg := range allAlgs {
		k := demoKey(t, alg)
		s := newSet(t, k)
		for kind, claims := range claimsKinds {
			for _, typ := range []string{"JWT", "at+jwt", ""} {
				t.Run(fmt.Sprintf("%s/%s/typ=%q", alg, kind, typ), func(t *testing.T) {
					c := claims(t)
					got, err := s.SignWithType(typ, c)
					require.NoError(t, err)
					want := jwtSigned(t, k, typ, c)
					if alg == ES256 { // randomised: only the signing input is comparable
						assert.Equal(t, want[:strings.LastIndexByte(want, '.')], got[:strings.LastIndexByte(got, '.')])
						assert.Len(t, got[strings.LastIndexByte(got, '.')+1:], b64.EncodedLen(64))
					} else {
						assert.Equal(t, want, got)
					}
					jwtVerify(t, k, got)
					_, err = s.Verify(got, nil, VerifyOptions{Now: fixedNow, Issuer: "https://issuer.example",
						Audience: []string{"client-1"}, Type: typ})
					require.NoError(t, err)
				})
			}
		}
	}
}

// TestAppendSignature: the signature is appended after dst's bytes, which
// are kept, and is what golang-jwt's method computes (or, for ES256,
// verifies with it), for inputs of several lengths including the empty one.
func TestAppendSignature(t *testing.T) {
	for _, alg := range allAlgs {
		k := demoKey(t, alg)
		for _, n := range []int{0, 1, 55, 64, 300, 5000} {
			t.Run(fmt.Sprintf("%s/%d", alg, n), func(t *testing.T) {
				input := []byte(strings.Repeat("a.b", n)[:n])
				prefix := []byte("prefix")
				got, err := k.appendSignature(prefix, input)
				require.NoError(t, err)
				require.Equal(t, "prefix", string(got[:len(prefix)]))
				sig := got[len(prefix):]
				require.Len(t, sig, k.sigSize())
				if alg != ES256 {
					want, err := k.method.Sign(string(input), k.signingKey())
					require.NoError(t, err)
					assert.Equal(t, want, sig)
				}
				require.NoError(t, k.method.Verify(string(input), sig, k.verifyKey()))
			})
		}
	}
}

// TestSignConcurrent: many goroutines signing distinct claims with one key
// get correct tokens (run with -race: HS256 shares pooled HMAC states, and
// every algorithm shares the pooled buffers).
func TestSignConcurrent(t *testing.T) {
	perG := map[Algorithm]int{HS256: 200, EdDSA: 50, ES256: 50, RS256: 3}
	for _, alg := range allAlgs {
		t.Run(string(alg), func(t *testing.T) {
			k := demoKey(t, alg)
			s := newSet(t, k)
			const goroutines = 16
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range perG[alg] {
						rc := validClaims()
						rc.ID = fmt.Sprintf("jti-%d-%d", g, i)
						c := newAppenderClaims(t, rc)
						tok, err := s.SignWithType("at+jwt", c)
						if !assert.NoError(t, err) {
							return
						}
						if alg != ES256 {
							if !assert.Equal(t, jwtSigned(t, k, "at+jwt", rc), tok) {
								return
							}
						}
						var back jwt.RegisteredClaims
						_, err = s.Verify(tok, &back, verifyOpts())
						if !assert.NoError(t, err) || !assert.Equal(t, rc.ID, back.ID) {
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestES256FixedWidth: r and s are padded to 32 bytes each whatever their
// magnitude. About half of all signatures have an r or s whose DER needs a
// 0x00 sign byte, and 1 in 128 one that is shorter than 32 bytes; keep
// signing until both kinds have been seen, and check each verifies.
func TestES256FixedWidth(t *testing.T) {
	k := demoKey(t, ES256)
	priv := k.signer.(*ecdsa.PrivateKey)
	input := []byte("eyJhbGciOiJFUzI1NiJ9.e30")
	digest := sha256.Sum256(input)
	var sawPadded, sawShort bool
	for i := 0; i < 20000 && !(sawPadded && sawShort); i++ {
		der, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
		require.NoError(t, err)
		var rs struct{ R, S *big.Int }
		_, err = asn1.Unmarshal(der, &rs)
		require.NoError(t, err)
		minLen := min(len(rs.R.Bytes()), len(rs.S.Bytes()))
		maxDER := max(len(rs.R.Bytes())+btoi(rs.R.Bit(255) == 1), len(rs.S.Bytes())+btoi(rs.S.Bit(255) == 1))
		if minLen == 32 && maxDER == 32 && i > 0 {
			continue // the common case, checked once
		}
		sawShort = sawShort || minLen < 32
		sawPadded = sawPadded || maxDER == 33
		sig, err := appendECDSARaw(nil, der, 32)
		require.NoError(t, err)
		require.Len(t, sig, 64)
		assert.Equal(t, rs.R.FillBytes(make([]byte, 32)), sig[:32])
		assert.Equal(t, rs.S.FillBytes(make([]byte, 32)), sig[32:])
		require.NoError(t, jwt.SigningMethodES256.Verify(string(input), sig, &priv.PublicKey))
	}
	assert.True(t, sawPadded && sawShort, "padded %v short %v", sawPadded, sawShort)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestAppendECDSARaw pins the DER parser on hand-made input: what it
// accepts and how it pads, and that it rejects anything a correct signer
// cannot produce.
func TestAppendECDSARaw(t *testing.T) {
	// seq wraps contents in a SEQUENCE with a short-form length.
	seq := func(b ...byte) []byte { return append([]byte{0x30, byte(len(b))}, b...) }
	n32 := func(first byte) []byte { // an INTEGER of 32 content bytes
		v := make([]byte, 32)
		v[0] = first
		v[31] = 7
		return append([]byte{0x02, 32}, v...)
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	wide := func(n int) []byte { // a P-521-sized INTEGER of n content bytes
		v := make([]byte, n)
		v[0], v[n-1] = 0x01, 0x02
		return append([]byte{0x02, byte(n)}, v...)
	}
	pad := func(size int, b ...byte) []byte { return append(make([]byte, size-len(b)), b...) }

	valid := []struct {
		name string
		der  []byte
		size int
		want []byte
	}{
		{"small", seq(0x02, 1, 0x05, 0x02, 1, 0x7f), 32, cat(pad(32, 5), pad(32, 0x7f))},
		{"sign byte stripped", seq(0x02, 2, 0x00, 0x80, 0x02, 1, 0x01), 32, cat(pad(32, 0x80), pad(32, 1))},
		{"full width", seq(cat(n32(0x12), n32(0x34))...), 32, cat(n32(0x12)[2:], n32(0x34)[2:])},
		{"full width with sign byte", seq(cat([]byte{0x02, 33, 0x00}, n32(0xff)[2:], n32(0x01))...), 32,
			cat(n32(0xff)[2:], n32(0x01)[2:])},
		{"long-form length (P-521)", cat([]byte{0x30, 0x81, 134}, wide(66), wide(64)), 66,
			cat(wide(66)[2:], pad(66, wide(64)[2:]...))},
	}
	for _, c := range valid {
		t.Run(c.name, func(t *testing.T) {
			got, err := appendECDSARaw([]byte("x"), c.der, c.size)
			require.NoError(t, err)
			assert.Equal(t, append([]byte("x"), c.want...), got)
		})
	}

	one := []byte{0x02, 1, 0x01}
	invalid := map[string][]byte{
		"empty":                   nil,
		"not a sequence":          cat([]byte{0x31, 6}, one, one),
		"sequence length short":   cat([]byte{0x30, 5}, one, one),
		"sequence length long":    cat([]byte{0x30, 7}, one, one),
		"trailing after sequence": cat(seq(cat(one, one)...), []byte{0}),
		"one integer":             seq(one...),
		"three integers":          seq(cat(one, one, one)...),
		"not an integer":          seq(cat([]byte{0x04, 1, 1}, one)...),
		"empty integer":           seq(cat([]byte{0x02, 0}, one)...),
		"zero":                    seq(cat([]byte{0x02, 1, 0}, one)...),
		"negative":                seq(cat(one, []byte{0x02, 1, 0x80})...),
		"non-minimal sign byte":   seq(cat([]byte{0x02, 2, 0x00, 0x01}, one)...),
		"too wide":                seq(cat([]byte{0x02, 33, 0x01}, n32(0x01)[2:], one)...),
		"too wide with sign byte": seq(cat([]byte{0x02, 34, 0x00, 0x80}, n32(0x01)[2:], one)...),
		"non-minimal long form":   cat([]byte{0x30, 0x81, 6}, one, one),
		"two-byte long form":      cat([]byte{0x30, 0x82, 0, 6}, one, one),
		"indefinite length":       cat([]byte{0x30, 0x80}, one, one, []byte{0, 0}),
		"truncated long form":     {0x30, 0x81},
		"truncated integer":       seq(0x02, 3, 0x01),
	}
	for name, der := range invalid {
		t.Run(name, func(t *testing.T) {
			got, err := appendECDSARaw([]byte("x"), der, 32)
			require.ErrorIs(t, err, errECDSADER)
			assert.Nil(t, got)
		})
	}
}

// FuzzECDSARaw: appendECDSARaw never panics, accepts exactly the strict
// DER that encoding/asn1 parses to in-range r and s (and converts it to
// the same numbers), and turns a real SignASN1 signature of msg into one
// that golang-jwt's ES256 verifies.
func FuzzECDSARaw(f *testing.F) {
	priv := demoKey(f, ES256).signer.(*ecdsa.PrivateKey)
	f.Fuzz(func(t *testing.T, der, msg []byte) {
		got, err := appendECDSARaw([]byte("x"), der, 32)
		var rs struct{ R, S *big.Int }
		rest, aerr := asn1.Unmarshal(der, &rs)
		strict := aerr == nil && len(rest) == 0 && rs.R.Sign() > 0 && rs.S.Sign() > 0 &&
			rs.R.BitLen() <= 256 && rs.S.BitLen() <= 256
		if strict {
			// asn1 ignores extra elements in a SEQUENCE; re-encoding tells.
			re, merr := asn1.Marshal(rs)
			strict = merr == nil && bytes.Equal(re, der)
		}
		switch {
		case err != nil && got != nil:
			t.Fatalf("error %v with a result", err)
		case err != nil && strict:
			t.Fatalf("rejected strict DER %x: %v", der, err)
		case err == nil && !strict:
			t.Fatalf("accepted %x, which is not strict DER of in-range r, s", der)
		case err == nil:
			want := append([]byte("x"), rs.R.FillBytes(make([]byte, 32))...)
			want = append(want, rs.S.FillBytes(make([]byte, 32))...)
			if !bytes.Equal(got, want) {
				t.Fatalf("converted %x to %x, want %x", der, got, want)
			}
		}

		digest := sha256.Sum256(msg)
		real, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig, err := appendECDSARaw(nil, real, 32)
		if err != nil {
			t.Fatalf("rejected SignASN1's %x: %v", real, err)
		}
		if err := jwt.SigningMethodES256.Verify(string(msg), sig, &priv.PublicKey); err != nil {
			t.Fatalf("converted signature does not verify: %v", err)
		}
	})
}

// TestWriteECDSARawCorpus writes FuzzECDSARaw's seeds (with -gencorpus;
// kept apart from TestWriteFuzzCorpus so that the other corpora, whose
// ES256 seeds are randomised, are not rewritten with them).
func TestWriteECDSARawCorpus(t *testing.T) {
	if !*genCorpus {
		t.Skip("run with -gencorpus to rewrite testdata/fuzz")
	}
	priv := demoKey(t, ES256).signer.(*ecdsa.PrivateKey)
	msg := []byte("eyJhbGciOiJFUzI1NiJ9.e30")
	digest := sha256.Sum256(msg)
	real, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	require.NoError(t, err)
	seeds := map[string][]byte{
		"signature":       real,
		"small-integers":  {0x30, 6, 0x02, 1, 0x05, 0x02, 1, 0x7f},
		"sign-byte":       {0x30, 7, 0x02, 2, 0x00, 0x80, 0x02, 1, 0x01},
		"trailing":        append(append([]byte(nil), real...), 0),
		"extra-element":   {0x30, 9, 0x02, 1, 0x01, 0x02, 1, 0x01, 0x02, 1, 0x01},
		"negative":        {0x30, 6, 0x02, 1, 0x80, 0x02, 1, 0x01},
		"non-minimal-len": {0x30, 0x81, 6, 0x02, 1, 0x01, 0x02, 1, 0x01},
		"empty":           nil,
	}
	for name, der := range seeds {
		writeCorpus(t, "FuzzECDSARaw", name, fmt.Sprintf("[]byte(%q)\n[]byte(%q)", der, msg))
	}
}
