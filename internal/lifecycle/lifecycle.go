package lifecycle

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// Config is what a Lifecycle is built from.
type Config struct {
	// Store keeps the marks and cut-offs: the instance's own namespace.
	Store store.Liveness
	// Families, when set, finds a refresh family by its id, so that
	// RevokeGrant can settle the tally of a grant known only by id.
	Families interface {
		LookupFamily(ctx context.Context, familyID string) (store.RefreshRecord, error)
	}
	// Clock is the instance clock tokens expire by.
	Clock clock.Clock
	// Sequence stamps every token; one per process, shared by every
	// instance.
	Sequence clock.Sequence
	// Salt makes the jti tags of this instance differ from another's, so
	// that the admin API refuses another instance's jti. Salt gives the
	// usual one.
	Salt string
	// RefreshRevokesGrant makes revoking a refresh token (by the admin API
	// or RevokeToken) revoke its whole grant, every access token issued
	// under it included, as RFC 7009 §2.1 allows; otherwise the refresh
	// token's family dies alone and the access tokens live out their exp.
	// RevokeGrant always takes the whole grant.
	RefreshRevokesGrant bool
	// Resolve reads a token the admin API names by value (see Resolver).
	Resolve Resolver
	// MarkFloor is the shortest time a grant's revocation mark lasts: the
	// longest configured lifetime of the tokens that die by it, so that a
	// mark set after a restart (this process has issued nothing yet, see
	// NoteLifetime) still outlives the tokens issued before it.
	MarkFloor time.Duration
	// WithdrawRefresh, when set, also withdraws a revoked refresh token in
	// the dialect's own state (its store family, say), so that state agrees
	// with Check. Check does not depend on it. It runs with the lifecycle's
	// lock held and must not call back into the Lifecycle.
	WithdrawRefresh func(ctx context.Context, f Facts) error
}

// Salt is an instance's usual Config.Salt: its name and the kid of the
// key it signs with (keys may be nil), which replicas of one instance share
// and a reproducible run keeps, but another instance does not.
func Salt(name string, keys *jwtutil.KeySet) string {
	if keys == nil || keys.Active() == nil {
		return name
	}
	return name + "|" + keys.Active().KID()
}

// ForInstance is the usual Config of a provider instance: its store (for
// marks, cut-offs and refresh families), clock, sequence and salt, and a
// WithdrawRefresh that revokes the refresh token's family in the store.
// A dialect changes what differs before calling New.
func ForInstance(deps provider.Deps, keys *jwtutil.KeySet, resolve Resolver) Config {
	st := deps.Store
	return Config{
		Store: st, Families: st, Clock: deps.Clock, Sequence: deps.Sequence,
		Salt: Salt(deps.Name, keys), Resolve: resolve,
		WithdrawRefresh: func(ctx context.Context, f Facts) error { return st.RevokeFamily(ctx, f.Family) },
	}
}

// Lifecycle is one provider instance's token lifecycle. It is safe for
// concurrent use.
type Lifecycle struct {
	cfg Config

	// mu serialises the admin operations with each other and with the
	// tally's updates at issuance, so that a count and a cut-off always
	// agree on which tokens came before the call.
	mu    sync.Mutex
	pairs map[pairKey]*pair
	// tags finds a pair by a jti's tag. It has a lock of its own, taken
	// inside mu or alone, so that AccessFacts, which a Resolver calls while
	// an admin call holds mu, never waits for mu.
	tagsMu sync.RWMutex
	tags   map[uint32][]*pair
	maxTTL time.Duration // the longest lifetime issued of a token a grant mark kills; at least MarkFloor
}

// New returns a Lifecycle.
func New(cfg Config) *Lifecycle {
	if cfg.Sequence == nil {
		cfg.Sequence = clock.NewHybridSequence(clock.System{})
	}
	l := &Lifecycle{cfg: cfg, maxTTL: cfg.MarkFloor}
	l.Reset()
	return l
}

// Reset forgets the tally, as a store reset forgets the marks and cut-offs.
func (l *Lifecycle) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pairs = make(map[pairKey]*pair)
	l.tagsMu.Lock()
	l.tags = make(map[uint32][]*pair)
	l.tagsMu.Unlock()
}

func (l *Lifecycle) now() time.Time { return l.cfg.Clock.Now() }

func (l *Lifecycle) tag(username, clientID string) uint32 {
	return pairTag(l.cfg.Salt, username, clientID)
}

// pairOf returns the tally of a user at a client, creating it. mu is held.
func (l *Lifecycle) pairOf(username, clientID string) *pair {
	k := pairKey{username, clientID}
	p := l.pairs[k]
	if p == nil {
		p = newPair(k, l.tag(k.username, k.clientID))
		l.pairs[k] = p
		l.tagsMu.Lock()
		l.tags[p.tag] = append(l.tags[p.tag], p)
		l.tagsMu.Unlock()
	}
	return p
}

// NewAccess stamps a new access token of username (empty for a client
// acting for itself) at clientID, expiring at exp, under the refresh family
// family (empty for none). Sign the returned facts' JTI into the token, and
// add its Stamp to the family's store record when there is one. Nothing is
// written to the store.
func (l *Lifecycle) NewAccess(username, clientID, family string, exp time.Time) Facts {
	now := l.now()
	l.mu.Lock()
	seq := l.cfg.Sequence.Next()
	p := l.pairOf(username, clientID)
	p.pruneAt(now)
	p.access.add(unixOrZero(exp), 1)
	if ttl := exp.Sub(now); ttl > l.maxTTL {
		l.maxTTL = ttl
	}
	l.mu.Unlock()
	return Facts{Kind: Access, Seq: seq, JTI: newJTI(seq, exp, p.tag), Family: family, Username: username, ClientID: clientID, ExpiresAt: exp}
}

// StampApproval stamps an approval that is not a token yet (an
// authorization code, an approved device code). Keep it in the approval's
// store.Grant.Seq and pass the grant through RedeemApproval when the
// approval is consumed.
func (l *Lifecycle) StampApproval() uint64 { return l.cfg.Sequence.Next() }

// ErrApprovalRevoked is RedeemApproval's answer for an approval whose
// user, client or grant was revoked after it was stamped.
var ErrApprovalRevoked = errors.New("lifecycle: the approval was revoked")

// RedeemApproval judges a consumed approval stamped by StampApproval and
// returns its grant ready for issuing: Seq cleared, since for a token's
// grant it names the refresh family. It is ErrApprovalRevoked once the
// approval's user or client was revoked after the stamp, or its grant was;
// only tokens expire by the admin API's "expire now". An unstamped
// approval (Seq 0: kept by an older version in a persistent store) passes.
func (l *Lifecycle) RedeemApproval(ctx context.Context, g store.Grant) (store.Grant, error) {
	if g.Seq == 0 {
		return g, nil
	}
	st, err := l.judge(ctx, Facts{Seq: g.Seq, Username: g.Username, ClientID: g.ClientID, Family: g.FamilyID})
	switch {
	case err != nil:
		return store.Grant{}, err
	case st == Revoked:
		return store.Grant{}, ErrApprovalRevoked
	}
	g.Seq = 0
	return g, nil
}

// NoteLifetime records the issuance of a token that carries no stamp and
// dies only by its grant's mark (an ID token, by its sid), for ttl: the
// marks of revoked grants then last at least that long.
func (l *Lifecycle) NoteLifetime(ttl time.Duration) {
	if ttl <= l.cfg.MarkFloor {
		return // the usual case, the instance's own lifetime: no lock
	}
	l.mu.Lock()
	l.maxTTL = max(l.maxTTL, ttl)
	l.mu.Unlock()
}

// NewFamily stamps a new refresh family (a grant's first refresh token)
// expiring at exp (zero: never) and returns the Seq to keep in its
// store.Grant.
func (l *Lifecycle) NewFamily(username, clientID string, exp time.Time) uint64 {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := l.cfg.Sequence.Next()
	p := l.pairOf(username, clientID)
	p.pruneAt(now)
	p.refresh.add(unixOrZero(exp), 1)
	return seq
}

// Discard takes back the stamp of a token that was never handed out (its
// signing or storing failed), so that the tally does not count it.
func (l *Lifecycle) Discard(f Facts) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.pairs[pairKey{f.Username, f.ClientID}]; p != nil {
		p.counted(f.Kind, Live).add(unixOrZero(f.ExpiresAt), -1)
	}
}

// Rotated tells the tally that a family's expiry moved to exp when it
// rotated; from are its facts before the rotation.
func (l *Lifecycle) Rotated(from Facts, exp time.Time) {
	if from.ExpiresAt.Equal(exp) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pairs[pairKey{from.Username, from.ClientID}]
	if p == nil {
		return
	}
	if b := p.counted(Refresh, Live); b != nil {
		b.add(unixOrZero(from.ExpiresAt), -1)
		b.add(unixOrZero(exp), 1)
	}
}

// AccessFacts returns the facts of a verified access token from its jti
// and the user, client and grant (family) its claims name. ok is false when
// the jti is not one the lifecycle laid out.
//
// username is the dialect's best reading of the token's user; when it does
// not match the jti's tag (the user has been deleted, so the dialect could
// not map the token's subject back to a name), the tally's pair of that
// tag at that client names the user, so the user's cut-off still applies.
func (l *Lifecycle) AccessFacts(jti, username, clientID, family string, exp time.Time) (Facts, bool) {
	seq, _, tag, ok := ParseJTI(jti)
	if !ok {
		return Facts{}, false
	}
	if l.tag(username, clientID) != tag {
		l.tagsMu.RLock()
		for _, p := range l.tags[tag] {
			if p.clientID == clientID {
				username = p.username
				break
			}
		}
		l.tagsMu.RUnlock()
	}
	return Facts{Kind: Access, Seq: seq, JTI: jti, Family: family, Username: username, ClientID: clientID, ExpiresAt: exp}, true
}

// Check says whether a token still works. The dialect has verified the
// token itself (signature, issuer, type, or its store record) first; Check
// judges its expiry on the instance clock, then the marks and cut-offs:
// revoked before expired-by-admin, and an expired token reads as expired
// whatever else was done to it.
func (l *Lifecycle) Check(ctx context.Context, f Facts) (State, error) {
	if !f.ExpiresAt.IsZero() && !l.now().Before(f.ExpiresAt) {
		return Expired, nil
	}
	return l.judge(ctx, f)
}

// GrantRevoked reports whether the grant (refresh family) family has been
// revoked, for a token that names its grant but carries no stamp of its
// own to Check (an ID token's sid). While the grant has a live refresh
// family (Config.Families finds it) the family is judged as its refresh
// token would be, so that a revocation of its user or client counts too;
// otherwise only a revocation of the grant itself is known. An empty
// family names no grant.
func (l *Lifecycle) GrantRevoked(ctx context.Context, family string) (bool, error) {
	if family == "" {
		return false, nil
	}
	if l.cfg.Families != nil {
		rec, err := l.cfg.Families.LookupFamily(ctx, family)
		switch {
		case err == nil:
			st, err := l.judge(ctx, RefreshFacts(rec))
			return st == Revoked, err
		case errors.Is(err, store.ErrRevoked):
			return true, nil
		case !errors.Is(err, store.ErrNotFound):
			return false, err
		}
	}
	level, err := l.cfg.Store.ReadLiveness(ctx, []string{grantMark(family)}, nil, nil)
	return level >= store.MarkRevoked, err
}

// Judge is Check without the clock: what revocations and the admin API
// made of a token, for a dialect that accepts a token past its exp (a
// FastAPI refresh pairing with an expired access token).
func (l *Lifecycle) Judge(ctx context.Context, f Facts) (State, error) { return l.judge(ctx, f) }

// judge is Check without the clock.
func (l *Lifecycle) judge(ctx context.Context, f Facts) (State, error) {
	var (
		marks   [2]string
		keys    [4]string
		cutoffs [4]uint64
	)
	n, k := 0, 2
	keys[0], keys[1] = userCutoff(f.Username), clientCutoff(f.ClientID)
	switch f.Kind {
	case Access:
		marks[n], n = accessMark(f.JTI), n+1
		keys[2], keys[3], k = userExpiry(f.Username), clientExpiry(f.ClientID), 4
	case Refresh:
		marks[n], n = refreshMark(f.Family), n+1
	}
	if f.Family != "" {
		marks[n], n = grantMark(f.Family), n+1
	}
	level, err := l.cfg.Store.ReadLiveness(ctx, marks[:n], keys[:k], cutoffs[:k])
	if err != nil {
		return Live, err
	}
	switch {
	case level >= store.MarkRevoked, f.Seq < cutoffs[0], f.Seq < cutoffs[1]:
		return Revoked, nil
	case level == store.MarkExpired:
		return Expired, nil
	case k == 4 && (f.Seq < cutoffs[2] || f.Seq < cutoffs[3]):
		return Expired, nil
	}
	return Live, nil
}

// The store keys of marks and cut-offs.
func accessMark(jti string) string        { return "a:" + jti }
func grantMark(family string) string      { return "g:" + family }
func refreshMark(family string) string    { return "f:" + family }
func userCutoff(username string) string   { return "u:" + username }
func clientCutoff(clientID string) string { return "c:" + clientID }
func userExpiry(username string) string   { return "ux:" + username }
func clientExpiry(clientID string) string { return "cx:" + clientID }
