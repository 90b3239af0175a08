package lifecycle

import "time"

// The tally behind the admin API's counts. Every token is counted in the
// pair of its user and client, in a bucket of its expiry second, so the
// memory is per pair and live expiry second, not per token: on a frozen
// clock a million tokens share one bucket.
//
// A pair's buckets hold the tokens issued since the pair's last cut-off
// that have not been revoked: access tokens live or expired by the admin
// API, refresh families live or expired by it. A cut-off settles a pair at
// once (revoke: every bucket is emptied; expire: live access moves to
// expired); a single token moves out of its bucket when it is revoked or
// expired alone.

// pairKey names a pair.
type pairKey struct{ username, clientID string }

// pair is one user's (or client's own) tally at one client.
type pair struct {
	pairKey
	tag uint32

	access, expiredAccess, refresh, expiredRefresh buckets
	prunedAt                                       int64 // Unix second of the last prune
}

// buckets counts tokens by expiry second; 0 is "never".
type buckets map[int64]int

func (b buckets) add(exp int64, n int) {
	if v := b[exp] + n; v > 0 {
		b[exp] = v
	} else {
		delete(b, exp)
	}
}

// live counts the tokens not expired at now.
func (b buckets) live(now int64) int {
	n := 0
	for exp, c := range b {
		if exp == 0 || now < exp {
			n += c
		}
	}
	return n
}

// prune forgets buckets expired at now.
func (b buckets) prune(now int64) {
	for exp := range b {
		if exp != 0 && now >= exp {
			delete(b, exp)
		}
	}
}

// moveAll empties from into to.
func moveAll(from, to buckets) {
	for exp, c := range from {
		to.add(exp, c)
	}
	clear(from)
}

func newPair(k pairKey, tag uint32) *pair {
	return &pair{pairKey: k, tag: tag,
		access: buckets{}, expiredAccess: buckets{}, refresh: buckets{}, expiredRefresh: buckets{}}
}

// pruneAt drops expired buckets, at most once per second of the clock, so
// that a pair issuing many tokens a second on a running clock keeps about
// one bucket per second of its tokens' lifetime.
func (p *pair) pruneAt(now time.Time) {
	s := now.Unix()
	if s == p.prunedAt {
		return
	}
	p.prunedAt = s
	for _, b := range []buckets{p.access, p.expiredAccess, p.refresh, p.expiredRefresh} {
		b.prune(s)
	}
}

// counted reports in which buckets, if any, a token of this kind sits,
// given its State (judged without the clock) before the call: a cut-off
// has settled the tally as it settled the state.
func (p *pair) counted(k Kind, before State) buckets {
	switch {
	case before == Revoked:
		return nil
	case k == Refresh && before == Expired:
		return p.expiredRefresh
	case k == Refresh:
		return p.refresh
	case before == Expired:
		return p.expiredAccess
	}
	return p.access
}
