package oidc

import (
	"context"
	"encoding/json"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/provider"
)

// newEditor returns the admin API's editor of the instance's clients and
// users. A client must pass the rules the configuration file applies
// (checkClient); users need nothing beyond the directory's own checks
// (a username, a subject no other user has). Deleting either revokes its
// tokens.
func (p *Provider) newEditor() *directory.Editor {
	return &directory.Editor{
		Dir: p.dir,
		CheckClient: func(c fixtures.Client) fixtures.Problems {
			return checkClient(c, p.cfg.GrantTypes)
		},
		Revoke: func(ctx context.Context, sel provider.TokenSelector) error {
			_, err := p.Revoke(ctx, sel)
			return err
		},
	}
}

// FixtureKinds implements provider.FixtureEditor: "clients" and "users".
func (p *Provider) FixtureKinds() []string { return p.editor.FixtureKinds() }

// ListFixtures implements provider.FixtureEditor.
func (p *Provider) ListFixtures(ctx context.Context, kind string) ([]json.RawMessage, error) {
	return p.editor.ListFixtures(ctx, kind)
}

// GetFixture implements provider.FixtureEditor.
func (p *Provider) GetFixture(ctx context.Context, kind, id string) (json.RawMessage, error) {
	return p.editor.GetFixture(ctx, kind, id)
}

// PutFixture implements provider.FixtureEditor. The change applies from
// the next request on.
func (p *Provider) PutFixture(ctx context.Context, kind, id string, item json.RawMessage) (bool, error) {
	return p.editor.PutFixture(ctx, kind, id, item)
}

// DeleteFixture implements provider.FixtureEditor; the client's or user's
// tokens are revoked with it.
func (p *Provider) DeleteFixture(ctx context.Context, kind, id string) error {
	return p.editor.DeleteFixture(ctx, kind, id)
}

var _ provider.FixtureEditor = (*Provider)(nil)
