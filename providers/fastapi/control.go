package fastapi

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/ledger"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// Revoke implements provider.Revoker. The selected tokens fail from now on
// as revoked tokens do here: 401 {"detail":"Unauthorized"} on /users/me and
// /auth/jwt/logout, 401 "Refresh token expired; Please login again" on the
// refresh routes, and 401 "Invalid Access token" for a revoked access token
// presented to /auth/jwt/refresh with refresh_requires_access_token.
//
// Refresh tokens die in the store too (their families are revoked), and a
// user's revocation is the one reuse detection does (revokeUser: a new
// epoch), so that nothing issued to the user before the call survives.
// Tokens issued afterwards are untouched, even in the same second.
func (p *Provider) Revoke(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	entries, err := p.ledger.Resolve(ctx, sel, p.resolve)
	if err != nil {
		return provider.Selected{}, err
	}
	for _, e := range entries {
		if e.Kind == ledger.Refresh {
			if err := p.deps.Store.RevokeFamily(ctx, e.ID); err != nil {
				return provider.Selected{}, err
			}
		}
	}
	// A deleted user (the fixture editor revokes after deleting) has no
	// subject left to move to a new epoch; its tokens fail without one, and
	// the ledger keeps them failing if the user comes back.
	if sel.Username != "" {
		if u, ok := p.dir.User(sel.Username); ok {
			if err := p.revokeUser(ctx, u.SubjectOrUsername(), ""); err != nil {
				return provider.Selected{}, err
			}
		}
	}
	return p.ledger.Revoke(ctx, entries)
}

// Expire implements provider.Revoker. The selected access tokens fail from
// now on as an expired one does (401 {"detail":"Unauthorized"}); a user's
// refresh tokens keep working, and so does an expired access token where
// the refresh endpoint asks for it. A refresh token named by its value is
// expired itself: 401 "Refresh token expired; Please login again".
func (p *Provider) Expire(ctx context.Context, sel provider.TokenSelector) (provider.Selected, error) {
	entries, err := p.ledger.Resolve(ctx, sel, p.resolve)
	if err != nil {
		return provider.Selected{}, err
	}
	if sel.Token == "" {
		entries = ledger.AccessOnly(entries)
	}
	return p.ledger.Expire(ctx, entries)
}

// resolve finds the ledger entry of a token as issued: an access token by
// its session (JWT or opaque, whether or not past its exp while the
// session lasts), a refresh token by its store record. A refresh token
// that was already used or whose family was revoked is ours but dead:
// nothing to do. Anything else is unknown.
func (p *Provider) resolve(ctx context.Context, token string) ([]ledger.Entry, error) {
	s, found, err := p.lookupSession(ctx, token)
	if err != nil {
		return nil, err
	}
	if found {
		e, err := p.ledger.Lookup(ctx, ledger.Access, s.ID)
		if err != nil {
			return nil, err
		}
		return []ledger.Entry{e}, nil
	}
	rec, err := p.deps.Store.LookupRefresh(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return nil, provider.ErrUnknownToken
	case errors.Is(err, store.ErrReused), errors.Is(err, store.ErrRevoked):
		return nil, nil
	case err != nil:
		return nil, err
	}
	e, err := p.ledger.Lookup(ctx, ledger.Refresh, rec.Grant.FamilyID)
	if err != nil {
		return nil, err
	}
	return []ledger.Entry{e}, nil
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
