package oidc

import (
	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
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
			return append(checkClient(c, p.cfg.GrantTypes), checkClientDPoP(c, p.cfg.DPoP)...)
		},
		Revoke: directory.Revoking(p.life),
	}
}

// Parts implements provider.Composite: the lifecycle revokes and expires
// tokens, the directory's editor edits clients and users (a client must
// pass the rules the configuration applies).
func (p *Provider) Parts() []any { return []any{p.life, p.editor} }
