package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

var _ provider.Revoker = (*Lifecycle)(nil)

// Resolver reads a token the admin API names by value: a dialect alone
// can parse its tokens. It returns the token's facts, with its store
// record's when it is a refresh token, whatever its state; a token the
// instance did not issue is provider.ErrUnknownToken, and facts with no
// Kind say "ours, but dead already: nothing to do". It runs with the
// lifecycle's lock held and must not call back into the Lifecycle.
type Resolver func(ctx context.Context, token string) (Facts, error)

// Revoke implements provider.Revoker for a dialect: the selected tokens
// fail from now on as revoked. A user or client is one cut-off; a token or
// jti one mark; a refresh token's mark is on its grant, which kills the
// grant's access tokens too. It counts the tokens it changed: live ones,
// and ones the admin API had expired (they now answer as revoked), but
// not those already revoked or past their exp.
func (l *Lifecycle) Revoke(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	return l.act(ctx, sel, store.MarkRevoked)
}

// Expire implements provider.Revoker for a dialect: the selected access
// tokens fail from now on as expired ones do. A user's or client's refresh
// tokens keep working, so a client can exercise its refresh path; a refresh
// token named by value is expired itself, and its grant's access tokens are
// left alone.
func (l *Lifecycle) Expire(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	return l.act(ctx, sel, store.MarkExpired)
}

// RevokeToken revokes one token the dialect has in hand, for its own
// revocation paths (a revocation endpoint, logout, a reused refresh
// token): a refresh token revokes its whole grant when
// Config.RefreshRevokesGrant says so.
func (l *Lifecycle) RevokeToken(ctx context.Context, f Facts) (provider.Selected, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.one(ctx, f, store.MarkRevoked)
}

// RevokeGrant revokes a grant by its family id alone, for the paths that
// have no refresh token to hand (a replayed code, logout by sid): its
// refresh family with every access token issued under it, counted when
// Config.Families finds the family. Access tokens of a grant without a
// refresh family die by their Family, uncounted.
func (l *Lifecycle) RevokeGrant(ctx context.Context, family string) error {
	if family == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.Families != nil {
		rec, err := l.cfg.Families.LookupFamily(ctx, family)
		switch {
		case err == nil:
			_, err = l.revokeGrant(ctx, RefreshFacts(rec))
			return err
		case !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrRevoked):
			return err
		}
	}
	if _, err := l.cfg.Store.Mark(ctx, grantMark(family), store.MarkRevoked, l.grantUntil(time.Time{}, false)); err != nil {
		return err
	}
	if l.cfg.WithdrawRefresh != nil {
		return l.cfg.WithdrawRefresh(ctx, Facts{Kind: Refresh, Family: family})
	}
	return nil
}

func (l *Lifecycle) act(ctx context.Context, sel provider.TokenSelector, level uint8) (provider.Selected, error) {
	if err := sel.Validate(); err != nil {
		return provider.Selected{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case sel.Username != "":
		return l.cutoff(ctx, level, userCutoff, userExpiry, sel.Username, func(p *pair) bool { return p.username == sel.Username })
	case sel.ClientID != "":
		return l.cutoff(ctx, level, clientCutoff, clientExpiry, sel.ClientID, func(p *pair) bool { return p.clientID == sel.ClientID })
	case sel.JTI != "":
		f, err := l.jtiFacts(sel.JTI)
		if err != nil {
			return provider.Selected{}, err
		}
		return l.one(ctx, f, level)
	}
	if l.cfg.Resolve == nil {
		return provider.Selected{}, provider.ErrUnknownToken
	}
	f, err := l.cfg.Resolve(ctx, sel.Token)
	if err != nil {
		return provider.Selected{}, err
	}
	return l.one(ctx, f, level)
}

// cutoff revokes (or expires) everything of one user or client issued so
// far, counting what was live. mu is held.
func (l *Lifecycle) cutoff(ctx context.Context, level uint8, revokeKey, expireKey func(string) string, name string, match func(*pair) bool) (provider.Selected, error) {
	cut := l.cfg.Sequence.Next()
	key := revokeKey(name)
	if level == store.MarkExpired {
		key = expireKey(name)
	}
	if _, err := l.cfg.Store.RaiseCutoff(ctx, key, cut); err != nil {
		return provider.Selected{}, err
	}
	now := l.now().Unix()
	var n provider.Selected
	for _, p := range l.pairs {
		if !match(p) {
			continue
		}
		n.AccessTokens += p.access.live(now)
		if level == store.MarkExpired {
			moveAll(p.access, p.expiredAccess)
			continue
		}
		// Revoking changes what an expired token answers, so it counts.
		n.AccessTokens += p.expiredAccess.live(now)
		n.RefreshTokens += p.refresh.live(now) + p.expiredRefresh.live(now)
		for _, b := range []buckets{p.access, p.expiredAccess, p.refresh, p.expiredRefresh} {
			clear(b)
		}
	}
	return n, nil
}

// jtiFacts rebuilds an access token's facts from its jti, finding its user
// and client by the jti's tag. mu is held.
func (l *Lifecycle) jtiFacts(jti string) (Facts, error) {
	seq, exp, tag, ok := ParseJTI(jti)
	if !ok {
		return Facts{}, provider.ErrUnknownToken
	}
	f := Facts{Kind: Access, Seq: seq, JTI: jti, ExpiresAt: exp}
	ps := l.tags[tag]
	if len(ps) == 0 {
		// No pair of this instance's tally has the tag: another instance's
		// jti, a made-up one, or one issued before a reset (which forgot
		// it, as it forgot the marks).
		return Facts{}, provider.ErrUnknownToken
	}
	// A tag shared by two pairs is a 32-bit hash collision among this
	// instance's users and clients; the first is taken.
	f.Username, f.ClientID = ps[0].username, ps[0].clientID
	return f, nil
}

// one revokes or expires a single token. mu is held.
func (l *Lifecycle) one(ctx context.Context, f Facts, level uint8) (provider.Selected, error) {
	if f.Kind == 0 {
		return provider.Selected{}, nil // the resolver's "ours, but already dead"
	}
	if until := f.until(); !until.IsZero() && !l.now().Before(until) {
		return provider.Selected{}, provider.ErrUnknownToken // over anyway: nothing to act on
	}
	if f.Kind == Refresh && level == store.MarkRevoked && l.cfg.RefreshRevokesGrant {
		return l.revokeGrant(ctx, f)
	}
	before, err := l.judge(ctx, f)
	switch {
	case err != nil:
		return provider.Selected{}, err
	case before == Revoked, before == Expired && level == store.MarkExpired:
		return provider.Selected{}, nil // already done
	}
	key, until := accessMark(f.JTI), f.until()
	if f.Kind == Refresh {
		key = refreshMark(f.Family)
	}
	if prev, err := l.cfg.Store.Mark(ctx, key, level, until); err != nil || prev >= level {
		return provider.Selected{}, err
	}
	if f.Kind == Refresh && level == store.MarkRevoked && l.cfg.WithdrawRefresh != nil {
		if err := l.cfg.WithdrawRefresh(ctx, f); err != nil {
			return provider.Selected{}, err
		}
	}
	l.settle(f, before, level)
	var n provider.Selected
	switch {
	case before != Live && level == store.MarkExpired:
	case f.Kind == Refresh:
		n.RefreshTokens = 1
	default:
		n.AccessTokens = 1
	}
	return n, nil
}

// revokeGrant revokes a refresh family and every access token issued
// under it, counting what was live. mu is held.
func (l *Lifecycle) revokeGrant(ctx context.Context, f Facts) (provider.Selected, error) {
	before, err := l.judge(ctx, f)
	if err != nil || before == Revoked {
		return provider.Selected{}, err
	}
	var n provider.Selected
	now := l.now()
	for _, a := range f.Access {
		if a.Seq == 0 { // folded: Count tokens expiring at Exp, taken as live
			if a.Exp == 0 || now.Unix() < a.Exp {
				n.AccessTokens += int(a.Count)
				if p := l.pairs[pairKey{f.Username, f.ClientID}]; p != nil {
					p.access.add(a.Exp, -int(a.Count))
				}
			}
			continue
		}
		af := l.stampFacts(a, f)
		if !af.ExpiresAt.IsZero() && !now.Before(af.ExpiresAt) {
			continue
		}
		st, err := l.judge(ctx, af)
		if err != nil {
			return n, err
		}
		if st == Revoked {
			continue
		}
		l.settle(af, st, store.MarkRevoked)
		n.AccessTokens++
	}
	prev, err := l.cfg.Store.Mark(ctx, grantMark(f.Family), store.MarkRevoked, l.grantUntil(f.ExpiresAt, true))
	if err != nil || prev >= store.MarkRevoked {
		return provider.Selected{}, err
	}
	l.settle(f, before, store.MarkRevoked)
	n.RefreshTokens++
	if l.cfg.WithdrawRefresh != nil {
		if err := l.cfg.WithdrawRefresh(ctx, f); err != nil {
			return n, err
		}
	}
	return n, nil
}

// grantUntil is how long a grant's mark must last: while its refresh
// tokens (expiring at refreshExp, zero: never) or any access token issued
// under it could still be presented.
func (l *Lifecycle) grantUntil(refreshExp time.Time, hasRefresh bool) time.Time {
	until := l.now().Add(l.maxTTL)
	switch {
	case !hasRefresh:
		return until
	case refreshExp.IsZero():
		return time.Time{}
	}
	return later(refreshExp, until)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// settle moves a token out of its bucket (revoked) or to the expired one.
// mu is held.
func (l *Lifecycle) settle(f Facts, before State, level uint8) {
	p := l.pairs[pairKey{f.Username, f.ClientID}]
	if p == nil {
		return
	}
	b := p.counted(f.Kind, before)
	if b == nil {
		return
	}
	exp := unixOrZero(f.ExpiresAt)
	b.add(exp, -1)
	if level == store.MarkExpired {
		to := p.expiredAccess
		if f.Kind == Refresh {
			to = p.expiredRefresh
		}
		to.add(exp, 1)
	}
}
