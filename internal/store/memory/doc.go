// Package memory is the in-process store.Backend: the default for authmock,
// which is a test emulator whose state need not outlive the process.
//
// It owns every namespace's codes, refresh-token families, revocations and
// records, and the bookkeeping that keeps them bounded: expiry is judged
// against the injected clock on every read, expired entries are swept
// amortised on writes, and a per-namespace entry cap evicts what matters
// least (replay-detection history first, then whatever is closest to expiry)
// so that a long-running emulator never grows without bound.
//
// Refresh tokens are kept compact, since a load test leaves millions of
// them: a token is known by a salted SHA-256 of its text (keys.go, the text
// is not kept), times are int64 nanoseconds, who a grant is for is interned
// per namespace (intern.go), a family carries its first token and grant in
// one allocation and its later tokens share that grant while it is
// unchanged (grant.go, refresh.go), and tokens and families are found
// through an index of pointers rather than a Go map (index.go). About 200
// bytes of heap per login that was never refreshed (bench/refreshmem).
//
// Each namespace has its own mutex and every operation runs entirely under
// it, so the security guarantees of package store (a code is consumed once, a
// refresh token rotates once, a replay revokes the family) hold by
// construction rather than by careful ordering. Callbacks passed to
// RotateRefresh and UpdateRecord run under that lock and must not call back
// into the same namespace.
//
// An entry is expired once the clock reads its expiry or later. Moving the
// clock back can revive an expired entry that has not been swept yet, but
// never one that has.
package memory
