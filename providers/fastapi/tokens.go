package fastapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// JWT audiences. The access audience is fastapi-users' own; refresh tokens
// get one of their own so that neither kind passes for the other.
const (
	audienceAccess  = "fastapi-users:auth"
	audienceRefresh = "fastapi-users:refresh"
)

// Store keys and refresh-grant extras.
const (
	sessionPrefix = "at:"    // + tokenHash(access token): its session
	userPrefix    = "user:"  // + account id: the user's newest refresh token
	extraAccess   = "access" // tokenHash of the access token issued with the refresh token
)

// accessClaims are exactly fastapi-users' (authentication/strategy/jwt.py):
// sub, aud as a list, exp. No iat, jti or iss.
type accessClaims struct {
	Subject   string           `json:"sub"`
	Audience  jwt.ClaimStrings `json:"aud"`
	ExpiresAt *jwt.NumericDate `json:"exp,omitempty"`
}

// refreshClaims add a jti, so that two refresh tokens minted in the same
// second differ.
type refreshClaims struct {
	Subject   string           `json:"sub"`
	Audience  jwt.ClaimStrings `json:"aud"`
	ExpiresAt *jwt.NumericDate `json:"exp,omitempty"`
	ID        string           `json:"jti"`
}

func (c accessClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (accessClaims) GetIssuedAt() (*jwt.NumericDate, error)         { return nil, nil }
func (accessClaims) GetNotBefore() (*jwt.NumericDate, error)        { return nil, nil }
func (accessClaims) GetIssuer() (string, error)                     { return "", nil }
func (c accessClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c accessClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.Audience, nil }

func (c refreshClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (refreshClaims) GetIssuedAt() (*jwt.NumericDate, error)         { return nil, nil }
func (refreshClaims) GetNotBefore() (*jwt.NumericDate, error)        { return nil, nil }
func (refreshClaims) GetIssuer() (string, error)                     { return "", nil }
func (c refreshClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c refreshClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.Audience, nil }

// session is what the store keeps about one access token: whose it is,
// its lifecycle stamp and its refresh families. fastapi-users' JWTs hold
// only sub, aud and exp, with no jti to carry a stamp, so every access
// token has a session, JWTs included.
//
// Two logins of one user in the same second get the same access token
// string: its session then names both families, and one stamp (see
// storeSession).
type session struct {
	Subject   string   `json:"sub"`
	Username  string   `json:"username"`
	Families  []string `json:"families"`
	ExpiresAt int64    `json:"exp"`   // Unix seconds
	Until     int64    `json:"until"` // Unix seconds the session is kept until; 0: for ever
	Seq       uint64   `json:"seq"`
	// ID is the lifecycle's jti of the token: the admin API's "jti".
	ID string `json:"id"`
}

// facts are the lifecycle's facts of the session's access token. The
// dialect has no clients.
func (s session) facts() lifecycle.Facts {
	until := sessionForever
	if s.Until != 0 {
		until = time.Unix(s.Until, 0)
	}
	return lifecycle.Facts{Kind: lifecycle.Access, Seq: s.Seq, JTI: s.ID, Username: s.Username,
		ExpiresAt: time.Unix(s.ExpiresAt, 0), Until: until}
}

// sessionForever stands for a session kept for ever (a refresh token that
// never expires pairs with its access token for ever).
var sessionForever = time.Unix(1<<40, 0)

// maxSessionFamilies bounds a session's families when many logins share a
// token string; the oldest are forgotten (their refresh tokens still work
// unless refresh_requires_access_token pairs them with this token).
const maxSessionFamilies = 16

// userState is a user's newest refresh token (its tokenHash), kept with
// refresh_newest_only.
type userState struct {
	Newest string `json:"newest,omitempty"`
}

// tokenHash names a token in store keys, so that keys never hold a usable
// token.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// pair is a freshly minted access and refresh token, not yet stored.
type pair struct {
	access, refresh string
	session         session
	refreshRecord   store.RefreshRecord
	accessTTL       time.Duration
	// stamp is the access token's lifecycle stamp; storeSession may adopt
	// the one a live session of the same token string already has.
	stamp lifecycle.Facts
}

func (p *Provider) now() time.Time { return p.deps.Clock.Now().Truncate(time.Second) }

// mint signs (or draws) an access and a refresh token for sub in family,
// stamped by the lifecycle (a new family's stamp only when newFamily).
// ttl overrides the access lifetime when positive; extra claims go into a
// JWT access token under fastapi-users' own.
func (p *Provider) mint(sub, username, family string, newFamily bool, ttl time.Duration, extra map[string]any) (out pair, err error) {
	now := p.now()
	if ttl <= 0 {
		ttl = p.cfg.AccessTokenTTL.D()
	}
	accessExp := now.Add(ttl)
	var refreshExp time.Time
	if d := p.cfg.RefreshTokenTTL.D(); d > 0 {
		refreshExp = now.Add(d)
	}
	out.accessTTL = ttl
	if p.cfg.TokenFormat == FormatOpaque {
		if out.access, err = p.deps.RandomToken(); err != nil {
			return pair{}, err
		}
		if out.refresh, err = p.deps.RandomToken(); err != nil {
			return pair{}, err
		}
	} else {
		if out.access, err = p.signAccess(sub, accessExp, extra); err != nil {
			return pair{}, err
		}
		jti, err := p.deps.RandomHex(16)
		if err != nil {
			return pair{}, err
		}
		rc := refreshClaims{Subject: sub, Audience: jwt.ClaimStrings{audienceRefresh}, ID: jti}
		if !refreshExp.IsZero() {
			rc.ExpiresAt = jwt.NewNumericDate(refreshExp)
		}
		if out.refresh, err = p.keys.Sign(rc); err != nil {
			return pair{}, err
		}
	}
	out.stamp = p.life.NewAccess(username, "", "", accessExp)
	out.session = session{Subject: sub, Username: username, Families: []string{family}, ExpiresAt: accessExp.Unix(), Seq: out.stamp.Seq, ID: out.stamp.JTI}
	out.refreshRecord = store.RefreshRecord{
		Grant: store.Grant{
			FamilyID: family, Subject: sub, Username: username,
			Extra: map[string]string{extraAccess: tokenHash(out.access)},
		},
		IssuedAt:  now,
		ExpiresAt: refreshExp,
	}
	if newFamily {
		out.refreshRecord.Grant.Seq = p.life.NewFamily(username, "", refreshExp)
	}
	return out, nil
}

// discard takes back the stamps of a pair that was not handed out.
func (p *Provider) discard(pr pair, newFamily bool) {
	p.life.Discard(pr.stamp)
	if newFamily {
		p.life.Discard(lifecycle.RefreshFacts(pr.refreshRecord))
	}
}

func (p *Provider) signAccess(sub string, exp time.Time, extra map[string]any) (string, error) {
	claims := accessClaims{Subject: sub, Audience: jwt.ClaimStrings{audienceAccess}, ExpiresAt: jwt.NewNumericDate(exp)}
	if len(extra) == 0 {
		return p.keys.Sign(claims)
	}
	// Extra claims never override sub, aud or exp.
	merged, err := jwtutil.MergeClaims(claims, extra)
	if err != nil {
		return "", err
	}
	return p.keys.Sign(merged)
}

// storeSession records a minted access token (after its refresh token was
// stored) in its session and, with refresh_newest_only, makes its refresh
// token the user's newest.
//
// fastapi-users' claims have nothing random, so the same access token
// string comes back for a login or refresh in the same second (on a frozen
// clock, for ever). While the session's stamp is live the issuances share
// it, as they share the token; once it has been revoked or expired, the
// new issuance's own stamp replaces it, so that a token issued after an
// admin call works.
func (p *Provider) storeSession(ctx context.Context, pr *pair) error {
	// The session outlives the access token when refresh needs the old
	// access token, which may be presented expired (the UniPoll code does
	// not check its age).
	until := time.Unix(pr.session.ExpiresAt, 0)
	if p.cfg.RefreshRequiresAccessToken {
		until = pr.refreshRecord.ExpiresAt
		if !until.IsZero() && until.Unix() < pr.session.ExpiresAt {
			until = time.Unix(pr.session.ExpiresAt, 0)
		}
	}
	if !until.IsZero() {
		pr.session.Until = until.Unix()
	}
	key := sessionPrefix + tokenHash(pr.access)
	// Judged before the update: the lifecycle reads the store, which the
	// update's callback must not.
	dead := ""
	if prev, found, err := p.lookupSession(ctx, pr.access); err != nil {
		return err
	} else if found {
		if st, err := p.life.Check(ctx, prev.facts()); err != nil {
			return err
		} else if st != lifecycle.Live {
			dead = prev.ID
		}
	}
	adopted := false
	err := p.deps.Store.UpdateRecord(ctx, key, func(old []byte, found bool) ([]byte, time.Time, error) {
		s := pr.session
		adopted = false
		if found {
			var prev session
			if err := json.Unmarshal(old, &prev); err == nil && prev.Subject == s.Subject {
				s.Families = append(prev.Families, s.Families...)
				if n := len(s.Families); n > maxSessionFamilies {
					s.Families = s.Families[n-maxSessionFamilies:]
				}
				if prev.ID != "" && prev.ID != dead {
					s.Seq, s.ID, adopted = prev.Seq, prev.ID, true
				}
			}
		}
		b, err := json.Marshal(s)
		if err == nil {
			pr.session = s
		}
		return b, until, err
	})
	if err != nil {
		return err
	}
	if adopted {
		p.life.Discard(pr.stamp) // one token, one stamp
	}
	if !p.cfg.RefreshNewestOnly {
		return nil
	}
	newest := tokenHash(pr.refresh)
	return p.updateUser(ctx, pr.session.Subject, func(st *userState) { st.Newest = newest })
}

// lookupSession returns an access token's session, whether or not the
// token has expired.
func (p *Provider) lookupSession(ctx context.Context, token string) (session, bool, error) {
	raw, err := p.deps.Store.GetRecord(ctx, sessionPrefix+tokenHash(token))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired) {
		return session{}, false, nil
	}
	if err != nil {
		return session{}, false, err
	}
	var s session
	if err := json.Unmarshal(raw, &s); err != nil {
		return session{}, false, err
	}
	return s, true, nil
}

// user returns a user's token state; a user who never had one is in epoch 0.
func (p *Provider) user(ctx context.Context, sub string) (userState, error) {
	raw, err := p.deps.Store.GetRecord(ctx, userPrefix+sub)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired) {
		return userState{}, nil
	}
	if err != nil {
		return userState{}, err
	}
	var st userState
	return st, json.Unmarshal(raw, &st)
}

// updateUser changes a user's token state atomically.
func (p *Provider) updateUser(ctx context.Context, sub string, change func(*userState)) error {
	return p.deps.Store.UpdateRecord(ctx, userPrefix+sub, func(old []byte, found bool) ([]byte, time.Time, error) {
		var st userState
		if found {
			if err := json.Unmarshal(old, &st); err != nil {
				return nil, time.Time{}, err
			}
		}
		change(&st)
		b, err := json.Marshal(st)
		return b, time.Time{}, err
	})
}

// revokeUser revokes every token of a user, on every device: the reuse
// detection of the UniPoll code, which deletes the user's whole token
// family. It is the lifecycle's cut-off, the admin API's revoke of the
// user; tokens issued afterwards (a new login) are not affected.
func (p *Provider) revokeUser(ctx context.Context, sub, username, family string) error {
	if family != "" {
		if err := p.deps.Store.RevokeFamily(ctx, family); err != nil {
			return err
		}
	}
	if _, err := p.life.Revoke(ctx, provider.TokenSelector{Username: username}); err != nil {
		return err
	}
	return p.updateUser(ctx, sub, func(st *userState) { st.Newest = "" })
}
