//go:build cgo && linux

package jwtutil

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openSSL loads the system library, failing the test where it is missing:
// a cgo build on Linux is expected to have libcrypto.so.3 (CI does).
func openSSL(tb testing.TB) *osslLib {
	tb.Helper()
	lib, err := defaultLib()
	require.NoError(tb, err, "cgo build on Linux without a loadable %s", libcryptoName)
	return lib
}

// withOpenSSL returns a copy of the RSA key k that signs through OpenSSL,
// with pooled or per-call contexts.
func withOpenSSL(tb testing.TB, k *Key, pooled bool) *Key {
	tb.Helper()
	o, err := openSSL(tb).newKeyWith(k.signer.(*rsa.PrivateKey), pooled)
	require.NoError(tb, err)
	c := *k
	c.ossl = o
	return &c
}

func rsaKey(tb testing.TB, bits int) *Key {
	tb.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	require.NoError(tb, err)
	k, err := newAsymmetricKey(RS256, priv, &priv.PublicKey)
	require.NoError(tb, err)
	return k
}

// TestOpenSSLMatchesGo is the differential test: RSASSA-PKCS1-v1_5 is
// deterministic, so for the same key and input OpenSSL's signature must be
// crypto/rsa's, byte for byte. 10,000 random signing inputs go to the
// 2048-bit keys (the demo key and a fresh one) and a few hundred to 3072-
// and 4096-bit keys, from concurrent goroutines, through pooled and
// per-call contexts alike.
func TestOpenSSLMatchesGo(t *testing.T) {
	keys := []struct {
		key *Key
		n   int
	}{
		{demoKey(t, RS256), 5000},
		{rsaKey(t, 2048), 5000},
		{rsaKey(t, 3072), 300},
		{rsaKey(t, 4096), 100},
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for i, tc := range keys {
		goKey := tc.key
		ossl := []*Key{withOpenSSL(t, goKey, true), withOpenSSL(t, goKey, false)}
		bits := goKey.pub.(*rsa.PublicKey).N.BitLen()
		t.Run(fmt.Sprintf("%d-bit/%d", bits, i), func(t *testing.T) {
			workers := runtime.GOMAXPROCS(0)
			var wg sync.WaitGroup
			errs := make(chan string, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := mrand.New(mrand.NewPCG(seed, uint64(i*workers+w)))
					for j := w; j < tc.n; j += workers {
						input := make([]byte, rng.IntN(2048))
						for b := range input {
							input[b] = byte(rng.Uint32())
						}
						want, err := goKey.signature(input)
						if err != nil {
							errs <- err.Error()
							return
						}
						got, err := ossl[j%2].signature(input)
						if err != nil {
							errs <- err.Error()
							return
						}
						if string(got) != string(want) {
							errs <- fmt.Sprintf("payload %d (%d bytes, pooled=%v): signatures differ", j, len(input), j%2 == 0)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}

// TestOpenSSLTokensMatchGo signs whole tokens through KeySet.Sign and
// SignWithType: the output of a set whose key signs through OpenSSL is the
// output of the same set with crypto/rsa, and verifies in pure Go.
func TestOpenSSLTokensMatchGo(t *testing.T) {
	goKey := demoKey(t, RS256)
	goSet := newSet(t, goKey)
	osslSet := newSet(t, withOpenSSL(t, goKey, true))
	require.Equal(t, SignerOpenSSL, osslSet.Active().Signer())
	require.Equal(t, SignerGo, goSet.Active().Signer())
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := range 200 {
		claims := validClaims()
		claims.Subject = fmt.Sprintf("user-%d-%x", i, rng.Uint64())
		claims.ID = fmt.Sprintf("%x", rng.Uint64())
		want, err := goSet.SignWithType("at+jwt", claims)
		require.NoError(t, err)
		got, err := osslSet.SignWithType("at+jwt", claims)
		require.NoError(t, err)
		require.Equal(t, want, got)
		var c jwt.RegisteredClaims
		_, err = goSet.Verify(got, &c, verifyOpts())
		require.NoError(t, err)
		assert.Equal(t, claims.Subject, c.Subject)
	}
}

// TestSelectOpenSSL: with OpenSSL selected, RSA keys constructed from then
// on sign through it, whatever constructor made them; other algorithms and
// keys made earlier keep Go's crypto.
func TestSelectOpenSSL(t *testing.T) {
	t.Cleanup(func() { activeLib.Store(nil) })
	before := demoKey(t, RS256)
	info, err := SelectSigner(SignerOpenSSL)
	require.NoError(t, err)
	assert.Equal(t, SignerOpenSSL, info.Signer)
	assert.Regexp(t, `^OpenSSL 3\.`, info.Detail)
	assert.NoError(t, info.Fallback)
	assert.Equal(t, "openssl ("+info.Detail+")", info.String())

	pemKey := demoKey(t, RS256)
	jwkKey, err := ParseJWK(privateJWK(t, pemKey))
	require.NoError(t, err)
	for name, k := range map[string]*Key{
		"ParsePEM": pemKey, "ParseJWK": jwkKey, "GenerateKey": genKey(t, RS256), "WithKID": pemKey.WithKID("renamed"),
	} {
		assert.Equal(t, SignerOpenSSL, k.Signer(), name)
	}
	assert.Equal(t, SignerGo, before.Signer(), "a key made before the selection keeps its signer")
	assert.Equal(t, SignerGo, demoKey(t, ES256).Signer())
	assert.Equal(t, SignerGo, demoKey(t, HS256).Signer())

	want, err := newSet(t, before).Sign(validClaims())
	require.NoError(t, err)
	got, err := newSet(t, pemKey).Sign(validClaims())
	require.NoError(t, err)
	assert.Equal(t, want, got)

	info, err = SelectSigner(SignerAuto)
	require.NoError(t, err)
	assert.Equal(t, SignerOpenSSL, info.Signer)
	info, err = SelectSigner(SignerGo)
	require.NoError(t, err)
	assert.Equal(t, SignerInfo{Signer: SignerGo, Detail: "crypto/rsa"}, info)
	assert.Equal(t, SignerGo, demoKey(t, RS256).Signer())
}

// TestLoadOpenSSLMissingLibrary: a library that does not exist is an
// error naming it.
func TestLoadOpenSSLMissingLibrary(t *testing.T) {
	lib, err := loadOpenSSL("libauthmock-missing.so.0")
	require.Error(t, err)
	assert.Nil(t, lib)
	assert.Contains(t, err.Error(), "libauthmock-missing.so.0: cannot open shared object file")
}

// TestLoadOpenSSLMissingSymbol: a library that loads but lacks the
// functions is refused with the missing name, and nothing crashes later.
func TestLoadOpenSSLMissingSymbol(t *testing.T) {
	_, err := loadOpenSSL("libc.so.6")
	require.EqualError(t, err, "libc.so.6 has no symbol d2i_PrivateKey")

	t.Cleanup(func() { activeLib.Store(nil) })
	info, err := selectSigner(SignerAuto, func() (*osslLib, error) { return loadOpenSSL("libc.so.6") })
	require.NoError(t, err)
	assert.Equal(t, SignerGo, info.Signer)
	require.EqualError(t, info.Fallback, "libc.so.6 has no symbol d2i_PrivateKey")
	assert.Equal(t, SignerGo, demoKey(t, RS256).Signer())
}

// TestOpenSSLKeyFreed: a key nothing refers to any more gives its OpenSSL
// objects back (the cleanup runs), and a copy keeps them alive.
func TestOpenSSLKeyFreed(t *testing.T) {
	base := demoKey(t, RS256)
	before := freedKeys.Load()
	func() {
		k := withOpenSSL(t, base, true)
		_, err := k.signature([]byte("x"))
		require.NoError(t, err)
	}()
	for i := 0; i < 100 && freedKeys.Load() == before; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond) // cleanups run on their own goroutine
	}
	assert.Greater(t, freedKeys.Load(), before, "the OpenSSL key was never freed")
}

func FuzzOpenSSLSign(f *testing.F) {
	k := withOpenSSL(f, demoKey(f, RS256), true)
	pub := k.pub.(*rsa.PublicKey)
	f.Add([]byte(""))
	f.Add([]byte("eyJhbGciOiJSUzI1NiJ9.e30"))
	f.Add(make([]byte, 4096))
	f.Fuzz(func(t *testing.T, input []byte) {
		sig, err := k.signature(input)
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		if len(sig) != pub.Size() {
			t.Fatalf("signature is %d bytes, want %d", len(sig), pub.Size())
		}
		digest := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			t.Fatalf("crypto/rsa rejects OpenSSL's signature: %v", err)
		}
	})
}

// BenchmarkSignRS256 compares the signers on one RS256-2048 signature of a
// typical signing input, serially and from every P, with OpenSSL's
// contexts pooled or made per call.
func BenchmarkSignRS256(b *testing.B) {
	goKey := demoKey(b, RS256)
	input := make([]byte, 400)
	binary.LittleEndian.PutUint64(input, 42)
	signers := []struct {
		name string
		key  *Key
	}{
		{"go", goKey},
		{"openssl-pool", withOpenSSL(b, goKey, true)},
		{"openssl-percall", withOpenSSL(b, goKey, false)},
	}
	for _, s := range signers {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := s.key.signature(input); err != nil {
					b.Fatal(err)
				}
			}
		})
		// 1 goroutine per P, then 8 (a server with 16 connections on 2
		// cores has more signatures in flight than cores).
		for _, par := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s-parallel%d", s.name, par), func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(par)
				defer reportCPU(b)()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.key.signature(input); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// reportCPU reports the process's CPU time per op ("cpu-ns/op") when the
// returned function runs: on a machine shared with other work, wall time
// per op measures the neighbours too, CPU time much less so.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	c0 := cpu()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-c0)/float64(b.N), "cpu-ns/op")
		}
	}
}
