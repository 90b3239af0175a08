// Package bbolt is the file store.Backend (server.store "file:PATH"): every
// namespace kept in one go.etcd.io/bbolt database, so that codes, refresh
// families, marks, cut-offs and records outlive a restart (and a kill -9:
// bbolt commits are crash-safe).
//
// Every operation that must be atomic (consume a code, rotate a refresh
// token, mark, raise a cut-off, update a record) is one bbolt read-write
// transaction; bbolt runs one of those at a time, which gives the same
// by-construction exclusion as the memory backend's mutex. Callbacks run
// inside that transaction and must not call the store.
//
// # Layout
//
// A root bucket "ns" holds one bucket per namespace. Each namespace bucket
// holds these sub-buckets (exp, until and wall are Unix nanoseconds as
// 8-byte big-endian integers, 0 meaning never):
//
//	c  code  -> exp | consumed(1) | Grant as JSON
//	t  token -> exp | retired(1)  | RefreshRecord as JSON (without Access)
//	f  family id -> familyRec as JSON (token count, revoked, tombstone
//	   expiry, newest token, the family's access stamps)
//	r  key   -> exp | value
//	m  key   -> level(1) | until | wall
//	o  key   -> cut-off (8 bytes)
//	x  exp | kind(1) | key -> empty: the expiry index of c, t, r and
//	   tombstone families, in expiry order, so a sweep reads only what
//	   has expired
//	y  until | key -> empty: the same for marks
//
// Expiry is judged on the injected clock at every read. A sweep (every
// sweepEvery writes, inside the write's transaction, and on a timer) drops
// what has expired; a mark goes only once it is past until on the injected
// clock and past its wall-clock deadline too (store.Liveness). Cut-offs are
// never dropped. There is no entry cap: the file grows with what is live.
//
// One process at a time: bbolt locks the file, and a second Open fails
// after a short timeout with an error that says so instead of hanging.
package bbolt
