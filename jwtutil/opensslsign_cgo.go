//go:build cgo && linux

package jwtutil

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

// The OpenSSL types are opaque here: only pointers to them cross this
// file, so no OpenSSL header is needed at build time. The prototypes below
// are OpenSSL 3's (all of them real functions in 3.0, none a macro).
typedef struct am_pkey am_pkey;         // EVP_PKEY
typedef struct am_pkey_ctx am_pkey_ctx; // EVP_PKEY_CTX
typedef struct am_md am_md;             // EVP_MD

enum {
	AM_EVP_PKEY_RSA = 6,      // NID_rsaEncryption
	AM_RSA_PKCS1_PADDING = 1, // RSASSA-PKCS1-v1_5 (RFC 8017 §8.2)
	AM_OPENSSL_VERSION = 0,
	AM_SHA256_LEN = 32,
};

// am_lib is one loaded libcrypto: its handle and the functions we call,
// resolved once with dlsym.
typedef struct {
	void *handle;
	am_pkey *(*d2i_PrivateKey)(int, am_pkey **, const unsigned char **, long);
	void (*EVP_PKEY_free)(am_pkey *);
	am_pkey_ctx *(*EVP_PKEY_CTX_new)(am_pkey *, void *);
	void (*EVP_PKEY_CTX_free)(am_pkey_ctx *);
	int (*EVP_PKEY_sign_init)(am_pkey_ctx *);
	int (*EVP_PKEY_CTX_set_rsa_padding)(am_pkey_ctx *, int);
	int (*EVP_PKEY_CTX_set_signature_md)(am_pkey_ctx *, const am_md *);
	const am_md *(*EVP_sha256)(void);
	int (*EVP_PKEY_sign)(am_pkey_ctx *, unsigned char *, size_t *, const unsigned char *, size_t);
	const char *(*OpenSSL_version)(int);
	unsigned long (*ERR_get_error)(void);
	void (*ERR_error_string_n)(unsigned long, char *, size_t);
	void (*ERR_clear_error)(void);
} am_lib;

#define AM_SYM(f)                                                               \
	if ((*(void **)(&l->f) = dlsym(l->handle, #f)) == NULL) {               \
		snprintf(err, errlen, "%s has no symbol %s", name, #f);           \
		dlclose(l->handle);                                              \
		l->handle = NULL;                                                \
		return -1;                                                       \
	}

// am_load opens name and resolves every function, or explains in err why
// it cannot. A missing symbol is an error, never a crash later.
static int am_load(const char *name, am_lib *l, char *err, size_t errlen) {
	l->handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (l->handle == NULL) {
		const char *e = dlerror();
		snprintf(err, errlen, "%s", e ? e : "dlopen failed");
		return -1;
	}
	AM_SYM(d2i_PrivateKey)
	AM_SYM(EVP_PKEY_free)
	AM_SYM(EVP_PKEY_CTX_new)
	AM_SYM(EVP_PKEY_CTX_free)
	AM_SYM(EVP_PKEY_sign_init)
	AM_SYM(EVP_PKEY_CTX_set_rsa_padding)
	AM_SYM(EVP_PKEY_CTX_set_signature_md)
	AM_SYM(EVP_sha256)
	AM_SYM(EVP_PKEY_sign)
	AM_SYM(OpenSSL_version)
	AM_SYM(ERR_get_error)
	AM_SYM(ERR_error_string_n)
	AM_SYM(ERR_clear_error)
	return 0;
}

// am_fail returns this thread's first queued OpenSSL error (or ~0 when
// the queue is empty) and clears the queue. It must run in the same C call
// as the failure: the queue is per thread, and a goroutine may move.
static unsigned long am_fail(const am_lib *l) {
	unsigned long e = l->ERR_get_error();
	l->ERR_clear_error();
	return e ? e : ~0UL;
}

static const char *am_version(const am_lib *l) { return l->OpenSSL_version(AM_OPENSSL_VERSION); }

static void am_errstr(const am_lib *l, unsigned long e, char *buf, size_t n) {
	l->ERR_error_string_n(e, buf, n);
}

// am_import parses a PKCS#1 RSAPrivateKey into an EVP_PKEY.
static am_pkey *am_import(const am_lib *l, const unsigned char *der, long n, unsigned long *e) {
	const unsigned char *p = der;
	am_pkey *k = l->d2i_PrivateKey(AM_EVP_PKEY_RSA, NULL, &p, n);
	*e = k ? 0 : am_fail(l);
	return k;
}

static void am_pkey_free(const am_lib *l, am_pkey *k) { l->EVP_PKEY_free(k); }
static void am_ctx_free(const am_lib *l, am_pkey_ctx *c) { l->EVP_PKEY_CTX_free(c); }

// am_ctx_new returns a context set up for RS256: sign, PKCS#1 v1.5
// padding, SHA-256 DigestInfo.
static am_pkey_ctx *am_ctx_new(const am_lib *l, am_pkey *k, unsigned long *e) {
	am_pkey_ctx *c = l->EVP_PKEY_CTX_new(k, NULL);
	if (c == NULL) {
		*e = am_fail(l);
		return NULL;
	}
	if (l->EVP_PKEY_sign_init(c) <= 0 ||
	    l->EVP_PKEY_CTX_set_rsa_padding(c, AM_RSA_PKCS1_PADDING) <= 0 ||
	    l->EVP_PKEY_CTX_set_signature_md(c, l->EVP_sha256()) <= 0) {
		*e = am_fail(l);
		l->EVP_PKEY_CTX_free(c);
		return NULL;
	}
	*e = 0;
	return c;
}

// am_sign signs a SHA-256 digest into sig (exactly siglen bytes, the
// modulus size). With c NULL it uses a context of its own for this one
// call, so that one cgo call does all the work either way.
static unsigned long am_sign(const am_lib *l, am_pkey *k, am_pkey_ctx *c,
                             const unsigned char *dgst, unsigned char *sig, size_t siglen) {
	unsigned long e = 0;
	am_pkey_ctx *own = NULL;
	if (c == NULL) {
		if ((own = am_ctx_new(l, k, &e)) == NULL) {
			return e;
		}
		c = own;
	}
	size_t n = siglen;
	if (l->EVP_PKEY_sign(c, sig, &n, dgst, AM_SHA256_LEN) <= 0) {
		e = am_fail(l);
	} else if (n != siglen) {
		e = ~0UL;
	}
	if (own != NULL) {
		l->EVP_PKEY_CTX_free(own);
	}
	return e;
}
*/
import "C"

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"
)

// osslLib is one loaded libcrypto. It is never unloaded: keys hold
// pointers into it for as long as they live, and there is one per process.
type osslLib struct {
	c       C.am_lib
	version string
}

// loadOpenSSL dlopens name and resolves every function the signer calls.
// It fails, and never crashes, when the library is absent or lacks one.
func loadOpenSSL(name string) (*osslLib, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var errbuf [512]C.char
	l := &osslLib{}
	if C.am_load(cname, &l.c, &errbuf[0], C.size_t(len(errbuf))) != 0 {
		return nil, errors.New(C.GoString(&errbuf[0]))
	}
	l.version = C.GoString(C.am_version(&l.c))
	return l, nil
}

// errorString renders an OpenSSL error code ("error:1E08010C:DECODER
// routines::unsupported").
func (l *osslLib) errorString(e C.ulong) string {
	if e == ^C.ulong(0) {
		return "OpenSSL failed without reporting an error"
	}
	var buf [256]C.char
	C.am_errstr(&l.c, e, &buf[0], C.size_t(len(buf)))
	return C.GoString(&buf[0])
}

// osslKey is the OpenSSL half of one RSA signing key. Copies of a Key
// (WithKID) share it; its C objects are freed by a cleanup once no Key
// refers to it any more, which is how a key rotated out of every set, or a
// stopped server's keys, give their memory back without a Close that could
// race a signature in flight.
type osslKey struct {
	st *osslState
}

// osslState is what the cleanup frees; it must not point back at its
// osslKey, or the osslKey could never become unreachable.
type osslState struct {
	lib  *osslLib
	pkey *C.am_pkey
	size int // signature length: the modulus size in bytes

	// slots, when contexts are pooled, holds one entry per signature that
	// may run at once: a context, or nil for one not yet made. Taking one
	// also bounds the threads inside OpenSSL at GOMAXPROCS, more of which
	// would only queue for the cores; a goroutine waiting for a slot costs
	// no thread. nil slots means a fresh context per call.
	slots chan *C.am_pkey_ctx
}

// poolContexts is whether new keys keep their signing contexts (see
// osslState.slots) rather than make one per call. Measured on 2 shared
// cores, RS256-2048: BenchmarkSignRS256 spends the same CPU per signature
// either way (about 265 µs; setting a context up is cheap), but under the
// load tool (wrk, 16 connections) the pool cost 389-482 µs of server CPU
// per token against 439-466 µs with a context per call, and it keeps the
// threads inside OpenSSL at GOMAXPROCS.
const poolContexts = true

// newKey imports priv as an EVP_PKEY. The DER copy of the private key
// made for the import is zeroed before it returns; OpenSSL's own copy is
// cleared when the EVP_PKEY is freed (RSA_free clears its numbers).
func (l *osslLib) newKey(priv *rsa.PrivateKey) (*osslKey, error) {
	return l.newKeyWith(priv, poolContexts)
}

func (l *osslLib) newKeyWith(priv *rsa.PrivateKey, pooled bool) (*osslKey, error) {
	der := x509.MarshalPKCS1PrivateKey(priv)
	defer clear(der)
	var e C.ulong
	pk := C.am_import(&l.c, (*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)), &e)
	if pk == nil {
		return nil, errors.New(l.errorString(e))
	}
	st := &osslState{lib: l, pkey: pk, size: priv.Size()}
	if pooled {
		st.slots = make(chan *C.am_pkey_ctx, max(2, runtime.GOMAXPROCS(0)))
		for range cap(st.slots) {
			st.slots <- nil
		}
	}
	k := &osslKey{st: st}
	runtime.AddCleanup(k, (*osslState).free, st)
	return k, nil
}

// free releases the pooled contexts and the key. Only the cleanup calls
// it, when no signature can be in flight.
func (st *osslState) free() {
	for st.slots != nil && len(st.slots) > 0 {
		if c := <-st.slots; c != nil {
			C.am_ctx_free(&st.lib.c, c)
		}
	}
	C.am_pkey_free(&st.lib.c, st.pkey)
	st.pkey = nil
	freedKeys.Add(1)
}

// freedKeys counts freed OpenSSL keys, so a test can see the cleanup run.
var freedKeys atomic.Int64

// appendRS256 appends the RSASSA-PKCS1-v1_5 SHA-256 signature of input to
// dst, which OpenSSL writes in place. It is safe for concurrent use: a
// context is used by one call at a time.
func (k *osslKey) appendRS256(dst, input []byte) ([]byte, error) {
	st := k.st
	digest := sha256.Sum256(input)
	n := len(dst)
	dst = slices.Grow(dst, st.size)[:n+st.size]
	sig := dst[n:]
	ctx, err := st.get()
	if err != nil {
		return nil, err
	}
	e := C.am_sign(&st.lib.c, st.pkey, ctx,
		(*C.uchar)(unsafe.Pointer(&digest[0])), (*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(len(sig)))
	if e != 0 {
		if ctx != nil {
			C.am_ctx_free(&st.lib.c, ctx) // state unknown after a failure
			ctx = nil
		}
		st.put(ctx)
		runtime.KeepAlive(k)
		return nil, fmt.Errorf("openssl: sign: %s", st.lib.errorString(e))
	}
	st.put(ctx)
	// k's cleanup must not free pkey while the C call above uses it.
	runtime.KeepAlive(k)
	return dst, nil
}

// get takes a slot, making its context on first use; with no pool it
// returns nil, which asks am_sign for a context of its own.
func (st *osslState) get() (*C.am_pkey_ctx, error) {
	if st.slots == nil {
		return nil, nil
	}
	c := <-st.slots
	if c != nil {
		return c, nil
	}
	var e C.ulong
	if c = C.am_ctx_new(&st.lib.c, st.pkey, &e); c == nil {
		st.slots <- nil
		return nil, fmt.Errorf("openssl: new signing context: %s", st.lib.errorString(e))
	}
	return c, nil
}

// put gives the slot back, with its context (nil after a failure).
func (st *osslState) put(c *C.am_pkey_ctx) {
	if st.slots != nil {
		st.slots <- c
	}
}
