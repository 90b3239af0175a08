// Package lifecycle is the one place that says whether a token an instance
// issued still works: it stamps every token at issuance, revokes and
// expires them for the admin API and for the dialects' own revocation
// paths, and answers one question on every verification and every refresh:
// Check(facts) → Live, Expired or Revoked.
//
// It is separate so that the property "a revoked token stays revoked" is
// written and tested once, for every dialect, instead of at a dozen call
// sites that each had to consult the right stores in the right order.
//
// Issuing a self-contained token writes nothing to the store. Each token
// carries an issuance sequence number (clock.Sequence) in its jti, or in
// its refresh family's grant (store.Grant.Seq); revoking or expiring a
// user's or a client's tokens is one cut-off on that sequence, so it costs
// the same after a million tokens as after one, and a token issued right
// after the call works even on a frozen clock. Single tokens and grants are
// revoked with marks (store.Liveness), which the store never evicts.
//
// The admin API also reports how many live tokens a call affected. Those
// counts come from an in-memory tally per (user, client) pair, by expiry
// second, so they cost a few bytes per pair and second rather than per
// token. They are this process's view: tokens issued by another replica, or
// before a restart, are not counted, though they are revoked all the same.
package lifecycle
