package fastapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/ledger"
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
	sessionPrefix = "at:"   // + tokenHash(access token): its session
	userPrefix    = "user:" // + account id: the user's token state
	extraEpoch    = "epoch"
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
// the user's revocation epoch it was issued in, and its refresh families.
// Every access token has one, JWTs included, because reuse detection must
// be able to revoke a user's access tokens, which stateless JWTs cannot be.
//
// fastapi-users' JWTs hold only sub, aud and exp, so two logins of one
// user in the same second get the same access token string: its session
// then names both families, and the latest epoch.
//
// ID names the token in the ledger (its "jti" for the admin API): see
// renewAccessID.
type session struct {
	Subject   string   `json:"sub"`
	Epoch     int64    `json:"epoch"`
	Families  []string `json:"families"`
	ExpiresAt int64    `json:"exp"` // Unix seconds
	ID        string   `json:"id"`
}

// maxSessionFamilies bounds a session's families when many logins share a
// token string; the oldest are forgotten (their refresh tokens still work
// unless refresh_requires_access_token pairs them with this token).
const maxSessionFamilies = 16

// userState is a user's token state. Epoch counts the user-wide
// revocations: a token issued in an older epoch is dead. Newest is the
// tokenHash of the user's latest refresh token (kept with
// refresh_newest_only).
type userState struct {
	Epoch  int64  `json:"epoch"`
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
	// accessID is the access token's ledger id, set by storeSession.
	accessID string
}

func (p *Provider) now() time.Time { return p.deps.Clock.Now().Truncate(time.Second) }

// mint signs (or draws) an access and a refresh token for sub in family
// and epoch. ttl overrides the access lifetime when positive; extra claims
// go into a JWT access token under fastapi-users' own.
func (p *Provider) mint(sub, username, family string, epoch int64, ttl time.Duration, extra map[string]any) (pair, error) {
	now := p.now()
	if ttl <= 0 {
		ttl = p.cfg.AccessTokenTTL.D()
	}
	accessExp := now.Add(ttl)
	var refreshExp time.Time
	if d := p.cfg.RefreshTokenTTL.D(); d > 0 {
		refreshExp = now.Add(d)
	}
	out := pair{accessTTL: ttl}
	var err error
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
	out.session = session{Subject: sub, Epoch: epoch, Families: []string{family}, ExpiresAt: accessExp.Unix()}
	out.refreshRecord = store.RefreshRecord{
		Grant: store.Grant{
			FamilyID: family, Subject: sub, Username: username,
			Extra: map[string]string{extraEpoch: strconv.FormatInt(epoch, 10), extraAccess: tokenHash(out.access)},
		},
		IssuedAt:  now,
		ExpiresAt: refreshExp,
	}
	return out, nil
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
// stored) in its session and in the ledger, with its refresh token, and,
// with refresh_newest_only, makes its refresh token the user's newest. It
// sets pr.accessID.
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
	key := sessionPrefix + tokenHash(pr.access)
	err := p.deps.Store.UpdateRecord(ctx, key, func(old []byte, found bool) ([]byte, time.Time, error) {
		s := pr.session
		if found {
			var prev session
			if err := json.Unmarshal(old, &prev); err == nil && prev.Subject == s.Subject {
				s.Families = append(prev.Families, s.Families...)
				if n := len(s.Families); n > maxSessionFamilies {
					s.Families = s.Families[n-maxSessionFamilies:]
				}
				s.ID = prev.ID
			}
		}
		if s.ID == "" {
			s.ID = tokenHash(pr.access)
		}
		pr.accessID = s.ID
		b, err := json.Marshal(s)
		return b, until, err
	})
	if err != nil {
		return err
	}
	if err := p.renewAccessID(ctx, key, pr, until); err != nil {
		return err
	}
	if err := p.record(ctx, pr, until); err != nil {
		return err
	}
	if !p.cfg.RefreshNewestOnly {
		return nil
	}
	newest := tokenHash(pr.refresh)
	return p.updateUser(ctx, pr.session.Subject, func(st *userState) {
		if st.Epoch == pr.session.Epoch {
			st.Newest = newest
		}
	})
}

// renewAccessID gives a freshly stored access token a new ledger id when
// the one its session has is revoked or expired.
//
// An access token's ledger id is first its hash (what its session is
// stored under). fastapi-users' claims have nothing random, so the same
// string comes back for a login or refresh in the same second (on a frozen
// clock, for ever): while the string's id is live the issuances share it,
// as they share the token; once the admin API has revoked or expired it,
// the new issuance gets a fresh random id, so that a token issued after
// the call works.
func (p *Provider) renewAccessID(ctx context.Context, key string, pr *pair, until time.Time) error {
	st, err := p.ledger.Status(ctx, ledger.Access, pr.accessID)
	if err != nil || st == ledger.Live {
		return err
	}
	dead := pr.accessID
	fresh, err := p.deps.RandomHex(16)
	if err != nil {
		return err
	}
	return p.deps.Store.UpdateRecord(ctx, key, func(old []byte, found bool) ([]byte, time.Time, error) {
		s := pr.session
		if found {
			if err := json.Unmarshal(old, &s); err != nil {
				return nil, time.Time{}, err
			}
		}
		// A concurrent issuance of the same string may have renewed it
		// already: keep its id.
		if s.ID == dead || s.ID == "" {
			s.ID = fresh
		}
		pr.accessID = s.ID
		b, err := json.Marshal(s)
		return b, until, err
	})
}

// record puts a minted pair in the ledger: the access token under its id
// until its session ends (with refresh_requires_access_token, the refresh
// endpoint takes it until then), the refresh token under its family, whose
// expiry follows each rotation.
func (p *Provider) record(ctx context.Context, pr *pair, accessUntil time.Time) error {
	username := pr.refreshRecord.Grant.Username
	err := p.ledger.Record(ctx, ledger.Entry{Kind: ledger.Access, ID: pr.accessID, Username: username, ExpiresAt: accessUntil})
	if err != nil {
		return err
	}
	return p.ledger.Record(ctx, ledger.Entry{
		Kind: ledger.Refresh, ID: pr.refreshRecord.Grant.FamilyID, Username: username, ExpiresAt: pr.refreshRecord.ExpiresAt,
	})
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
// family. Tokens issued afterwards (a new login) are not affected.
func (p *Provider) revokeUser(ctx context.Context, sub, family string) error {
	if family != "" {
		if err := p.deps.Store.RevokeFamily(ctx, family); err != nil {
			return err
		}
	}
	return p.updateUser(ctx, sub, func(st *userState) {
		st.Epoch++
		st.Newest = ""
	})
}

// grantEpoch reads the epoch a refresh token was issued in.
func grantEpoch(g store.Grant) int64 {
	n, _ := strconv.ParseInt(g.Extra[extraEpoch], 10, 64)
	return n
}
