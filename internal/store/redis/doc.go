// Package redis is the Redis store.Backend (server.store
// "redis://HOST:PORT/DB?prefix=P"): state shared by every authmock replica
// pointed at one Redis, so that a code issued by one is redeemed at another
// and a refresh token rotates once across all of them.
//
// Every operation that must be atomic is a Lua script (run by EVALSHA):
// Redis runs a script to its end before any other command. Where the
// interface hands a callback the current state (ConsumeCode's check,
// RotateRefresh's update, UpdateRecord's update), the state is read by one
// script, the callback runs in Go, and a second script commits only if the
// state is still what the callback saw, re-judging it as it does: a rival
// that won in between makes a rotation ErrReused and a consume
// ErrConsumed, exactly as if it had come second; UpdateRecord starts again
// (so its update may run more than once under contention).
//
// Expiry is decided on authmock's clock, which the admin API moves, passed
// to every script; Redis's clock and key TTLs play no part. A sweep (every
// 1,024 writes and on a 5 s timer in each replica) drops what has expired,
// found through a sorted-set index scored by expiry. Marks wait for both
// clocks (store.Liveness); cut-offs are never dropped.
//
// # Keys
//
// Namespace N under prefix P uses keys P{N}:... (the braces keep one
// namespace in one cluster slot). Times are Unix nanoseconds written as 20
// digits, so that Lua (whose numbers are doubles) compares them as
// strings; "" means never.
//
//	c:CODE   hash e (expiry), u (consumed 0/1), g (Grant JSON)
//	t:TOKEN  hash e, r (retired 0/1), f (family id), d (RefreshRecord JSON)
//	f:FAMILY hash n (tokens), v (revoked), new (newest token), tomb (expiry
//	         of a family revoked before it had tokens)
//	a:FAMILY list of access stamps "EXP SEQ" (EXP in Unix seconds)
//	r:KEY    hash e, v (value)
//	ri       sorted set of record keys (score 0), for ListRecords by prefix
//	m:KEY    hash l (level), u (until), w (its wall-clock deadline)
//	o        hash of cut-offs, 20 digits each
//	x        sorted set "KIND:KEY" scored by expiry in whole seconds
//	y        sorted set of mark keys scored by until in whole seconds
package redis
