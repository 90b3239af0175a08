package fastapi

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// newLifecycle builds the instance's lifecycle. A revoked refresh token's
// family is revoked in the store too.
func newLifecycle(deps provider.Deps, keys *jwtutil.KeySet) *lifecycle.Lifecycle {
	return lifecycle.New(lifecycle.Config{
		Store: deps.Store, Families: deps.Store, Clock: deps.Clock, Sequence: deps.Sequence, Salt: lifecycle.Salt(deps.Name, keys),
		WithdrawRefresh: func(ctx context.Context, f lifecycle.Facts) error {
			return deps.Store.RevokeFamily(ctx, f.Family)
		},
	})
}

// Revoke implements provider.Revoker. The selected tokens fail from now on
// as revoked tokens do here: 401 {"detail":"Unauthorized"} on /users/me and
// /auth/jwt/logout, 401 "Refresh token expired; Please login again" on the
// refresh routes, and 401 "Invalid Access token" for a revoked access token
// presented to /auth/jwt/refresh with refresh_requires_access_token. A
// user's revocation is the one reuse detection does: one cut-off, so that
// nothing issued to the user before the call survives, and tokens issued
// afterwards are untouched, even in the same second.
func (p *Provider) Revoke(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	return p.life.Revoke(ctx, sel, p.resolve)
}

// Expire implements provider.Revoker. The selected access tokens fail from
// now on as an expired one does (401 {"detail":"Unauthorized"}); a user's
// refresh tokens keep working, and so does an expired access token where
// the refresh endpoint asks for it. A refresh token named by its value is
// expired itself: 401 "Refresh token expired; Please login again".
func (p *Provider) Expire(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	return p.life.Expire(ctx, sel, p.resolve)
}

// resolve reads a token as issued: an access token by its session (JWT or
// opaque, whether or not past its exp while the session lasts), a refresh
// token by its store record. A refresh token that was already used or
// whose family was revoked is ours but dead: nothing to do. Anything else
// is unknown.
func (p *Provider) resolve(ctx context.Context, token string) (lifecycle.Facts, error) {
	s, found, err := p.lookupSession(ctx, token)
	if err != nil {
		return lifecycle.Facts{}, err
	}
	if found {
		return s.facts(), nil
	}
	rec, err := p.deps.Store.LookupRefresh(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return lifecycle.Facts{}, provider.ErrUnknownToken
	case errors.Is(err, store.ErrReused), errors.Is(err, store.ErrRevoked):
		return lifecycle.Facts{}, nil
	case err != nil:
		return lifecycle.Facts{}, err
	}
	return lifecycle.RefreshFacts(rec), nil
}

// FixtureKinds implements provider.FixtureEditor: users only.
func (p *Provider) FixtureKinds() []string { return p.editor.FixtureKinds() }

// ListFixtures implements provider.FixtureEditor.
func (p *Provider) ListFixtures(ctx context.Context, kind string) ([]json.RawMessage, error) {
	return p.editor.ListFixtures(ctx, kind)
}

// GetFixture implements provider.FixtureEditor. Users are keyed by their
// username, the email login takes.
func (p *Provider) GetFixture(ctx context.Context, kind, id string) (json.RawMessage, error) {
	return p.editor.GetFixture(ctx, kind, id)
}

// PutFixture implements provider.FixtureEditor. A user is a fixtures.User
// as in the configuration, with its rules: claims.is_verified and
// claims.is_superuser are booleans, and a user without "subject" gets the
// account id derived from its email, as the configuration gives it.
func (p *Provider) PutFixture(ctx context.Context, kind, id string, item json.RawMessage) (bool, error) {
	if kind == directory.KindUsers {
		var err error
		if item, err = withAccountID(item, id); err != nil {
			return false, err
		}
	}
	return p.editor.PutFixture(ctx, kind, id, item)
}

// DeleteFixture implements provider.FixtureEditor; the user's tokens are
// revoked with it.
func (p *Provider) DeleteFixture(ctx context.Context, kind, id string) error {
	return p.editor.DeleteFixture(ctx, kind, id)
}

// withAccountID fills in the derived account id of a user item that has no
// subject; the editor judges the rest.
func withAccountID(item json.RawMessage, id string) (json.RawMessage, error) {
	var u fixtures.User
	if err := directory.DecodeFixture(item, &u); err != nil {
		return nil, err
	}
	if u.Subject != "" {
		return item, nil
	}
	name := u.Username
	if name == "" {
		name = id
	}
	u.Subject = deriveID(name)
	return json.Marshal(u)
}
