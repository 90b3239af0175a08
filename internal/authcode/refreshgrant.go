package authcode

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// RefreshGrant answers a refresh token with a new access token and, by
// default, rotates it: the presented token is retired and a successor
// joins its family (RFC 6749 §6, Security BCP §4.14.2). What a retired
// token does when presented again is Policy.Reuse.
type RefreshGrant struct{ f *Flow }

// RefreshGrant is the flow's refresh_token grant, for the dialect's token
// endpoint.
func (f *Flow) RefreshGrant() RefreshGrant { return RefreshGrant{f} }

// Type implements oauth.Grant.
func (RefreshGrant) Type() oauth.GrantType { return oauth.GrantRefreshToken }

// AllowPublic implements oauth.Grant.
func (g RefreshGrant) AllowPublic() bool { return g.f.pol.AllowPublic }

// Handle implements oauth.Grant.
func (g RefreshGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	return g.Refresh(ctx, req, ReadTokenParams(req.Form))
}

// Refresh answers a token request already read into its parameters.
func (g RefreshGrant) Refresh(ctx context.Context, req *oauth.TokenRequest, in TokenParams) (*oauth.TokenResponse, error) {
	f := g.f
	if in.RefreshToken == "" {
		return nil, f.pol.Word(MissingParam, "refresh_token")
	}
	requested := oauth.ParseScope(in.Scope)
	if f.pol.KeepRefreshTokens {
		return g.reissue(ctx, req, in.RefreshToken, requested)
	}
	refuse := f.pol.Reuse == ReuseRefuse
	if refuse {
		// The lookup and the rotation are one step, so that a concurrent
		// second use of one token is refused by the lookup and never
		// reaches the rotation, whose reuse detection revokes the family.
		// The lock is this process's; replicas sharing a store claim the
		// rotation in the store as well (claimRotation).
		f.refreshMu.Lock()
		defer f.refreshMu.Unlock()
	}
	// The lifecycle judges the token before anything rotates (it cannot be
	// asked from inside the rotation). With ReuseRevoke a token the store
	// refuses as reused is left to the rotation, which revokes its family.
	old, err := f.deps.Store.LookupRefresh(ctx, in.RefreshToken)
	switch {
	case err == nil:
		if _, err := g.check(ctx, old, req.Client, requested, true); err != nil {
			return nil, err
		}
	case refuse || !errors.Is(err, store.ErrReused):
		return nil, g.failure(old, req.Client, err)
	}
	release := func(context.Context) {}
	if refuse {
		if release, err = f.claimRotation(ctx, in.RefreshToken, old); err != nil {
			return nil, g.failure(old, req.Client, err)
		}
	}
	next, err := f.deps.RandomToken()
	if err != nil {
		release(ctx)
		return nil, err
	}
	now := f.now()
	var expiry time.Time
	if d := f.tokens.RefreshTTL(req.Client); d > 0 {
		expiry = now.Add(d)
	}
	// The access token is stamped before the rotation, so that its stamp
	// joins the family in the same atomic step.
	access, err := f.tokens.Prepare(old.Grant, req.Client)
	if err != nil {
		release(ctx)
		return nil, err
	}
	var scopes []string
	rec, err := f.deps.Store.RotateRefresh(ctx, in.RefreshToken, next, func(old store.RefreshRecord) (store.RefreshRecord, error) {
		s, err := g.check(ctx, old, req.Client, requested, false)
		if err != nil {
			return old, err
		}
		scopes = s
		// The successor keeps the whole grant (RFC 6749 §6); only this
		// access token is narrowed.
		return store.RefreshRecord{Grant: withExtra(old.Grant, access.Extra), IssuedAt: now, ExpiresAt: expiry, Access: []store.AccessStamp{access.Facts.Stamp()}}, nil
	})
	if err != nil {
		f.deps.Life.Discard(access.Facts)
		release(ctx)
	}
	switch {
	case errors.Is(err, store.ErrReused) && !refuse:
		// The store revoked the family; its access tokens go too.
		if rerr := g.revokeReused(ctx, rec); rerr != nil {
			return nil, rerr
		}
		f.log.InfoContext(ctx, "refresh token reused; its grant is revoked", "client_id", req.Client.ID)
		return nil, g.failure(rec, req.Client, err)
	case err != nil:
		return nil, g.failure(rec, req.Client, err)
	}
	f.deps.Life.Rotated(lifecycle.RefreshFacts(rec), expiry)
	if refuse && f.pol.RevokePrevious != nil {
		if err := f.pol.RevokePrevious(ctx, rec.Grant); err != nil {
			return nil, err
		}
	}
	return f.tokens.Issue(ctx, Issue{Request: req, Grant: rec.Grant, Client: req.Client, Scopes: scopes, RefreshToken: next, RefreshExpiresAt: expiry, Access: &access})
}

// reissue is refresh without rotation: the presented token stays valid
// and a new one joins its family.
func (g RefreshGrant) reissue(ctx context.Context, req *oauth.TokenRequest, presented string, requested []string) (*oauth.TokenResponse, error) {
	f := g.f
	rec, err := f.deps.Store.LookupRefresh(ctx, presented)
	if err != nil {
		return nil, g.failure(rec, req.Client, err)
	}
	scopes, err := g.check(ctx, rec, req.Client, requested, true)
	if err != nil {
		return nil, err
	}
	out, err := f.tokens.Issue(ctx, Issue{Request: req, Grant: rec.Grant, Client: req.Client, Scopes: scopes, Refresh: true})
	if errors.Is(err, store.ErrRevoked) {
		return nil, g.failure(rec, req.Client, err) // revoked between the lookup and the issue
	}
	if err == nil && f.pol.Reuse == ReuseRefuse && f.pol.RevokePrevious != nil {
		err = f.pol.RevokePrevious(ctx, rec.Grant)
	}
	return out, err
}

// check judges a refresh token's record for this request and returns the
// access token's scopes: the client first (a token of another client
// always fails as such), then, with lifecycle, what the lifecycle says of
// it (revoked or expired by the admin API, its user's or client's
// cut-off), then the dialect's CheckRefresh, then its user, then the
// scopes asked for.
func (g RefreshGrant) check(ctx context.Context, rec store.RefreshRecord, c fixtures.Client, requested []string, lifecycleToo bool) ([]string, error) {
	f, word := g.f, g.f.pol.Word
	if rec.Grant.ClientID != c.ID {
		return nil, word(RefreshOtherClient, "")
	}
	if lifecycleToo {
		switch st, err := f.deps.Life.Check(ctx, lifecycle.RefreshFacts(rec)); {
		case err != nil:
			return nil, err
		case st == lifecycle.Revoked:
			return nil, word(RefreshRevoked, "")
		case st == lifecycle.Expired:
			return nil, word(RefreshExpired, "")
		}
	}
	if f.pol.CheckRefresh != nil {
		if err := f.pol.CheckRefresh(ctx, rec.Grant); err != nil {
			return nil, err
		}
	}
	// Signing in refuses disabled users; refreshing must not keep their
	// sessions alive either (users change at runtime via the admin API).
	if rec.Grant.Subject != "" {
		if !f.deps.Dir.SubjectActive(rec.Grant.Subject) {
			return nil, word(RefreshUserGone, "")
		}
	}
	for _, s := range requested {
		if !slices.Contains(rec.Grant.Scopes, s) {
			return nil, word(ScopeNotGranted, s)
		}
	}
	if len(requested) == 0 {
		return slices.Clone(rec.Grant.Scopes), nil
	}
	return slices.Clone(requested), nil
}

// failure words the store's verdict on a refresh token (league's order:
// client, then expiry, then revocation); the store's own words never reach
// the client.
func (g RefreshGrant) failure(rec store.RefreshRecord, c fixtures.Client, err error) error {
	word := g.f.pol.Word
	switch {
	case errors.Is(err, store.ErrNotFound):
		return word(RefreshUnknown, "")
	case rec.Grant.ClientID != "" && rec.Grant.ClientID != c.ID:
		return word(RefreshOtherClient, "")
	case errors.Is(err, store.ErrExpired):
		return word(RefreshExpired, "")
	case errors.Is(err, store.ErrRevoked):
		return word(RefreshRevoked, "")
	case errors.Is(err, store.ErrReused):
		return word(RefreshReused, "")
	}
	return err
}

// revokeReused revokes the grant of a reused refresh token.
func (g RefreshGrant) revokeReused(ctx context.Context, rec store.RefreshRecord) error {
	life := g.f.deps.Life
	if g.f.pol.RefreshRevokesGrant {
		// The record's stamps let the lifecycle count what dies.
		_, err := life.RevokeToken(ctx, lifecycle.RefreshFacts(rec))
		return err
	}
	return life.RevokeGrant(ctx, rec.Grant.FamilyID)
}

// withExtra is g with extra added to its Extra; the map is copied, never
// shared with g.
func withExtra(g store.Grant, extra map[string]string) store.Grant {
	if len(extra) == 0 {
		return g
	}
	merged := maps.Clone(g.Extra)
	if merged == nil {
		merged = make(map[string]string, len(extra))
	}
	maps.Copy(merged, extra)
	g.Extra = merged
	return g
}

var _ oauth.Grant = RefreshGrant{}
