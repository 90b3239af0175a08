package oidc

import (
	"context"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// Mint implements provider.Minter: a token as if the flow had run, for
// scripts and the admin API. With a user it is a full grant (refresh and ID
// token included); without one it is a client-credentials token.
func (p *Provider) Mint(ctx context.Context, req provider.MintRequest) (provider.MintResult, error) {
	client, ok := p.dir.LookupClient(ctx, req.ClientID)
	if !ok {
		return provider.MintResult{}, fmt.Errorf("no client %q", req.ClientID)
	}
	if err := oauth.CheckScopes(req.Scopes, nil); err != nil {
		return provider.MintResult{}, err
	}
	grant := store.Grant{ClientID: client.ID, Scopes: req.Scopes}
	opts := issueOptions{extraClaims: req.Claims, ttl: time.Duration(req.TTLSeconds) * time.Second}
	if req.Username != "" {
		user, ok := p.dir.User(req.Username)
		if !ok {
			return provider.MintResult{}, fmt.Errorf("no user %q", req.Username)
		}
		family, err := p.deps.RandomHex(16)
		if err != nil {
			return provider.MintResult{}, err
		}
		grant.FamilyID, grant.Subject, grant.Username, grant.AuthTime = family, user.SubjectOrUsername(), user.Username, p.now()
		opts.refresh, opts.idToken = p.offersRefresh(client), true
	}
	out, err := p.issueTokens(ctx, grant, client, opts)
	if err != nil {
		return provider.MintResult{}, err
	}
	return provider.MintResult{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, IDToken: out.IDToken, ExpiresIn: out.ExpiresIn, JTI: out.jti}, nil
}

// Reset implements provider.Resetter: the configured clients and users come
// back, and the lifecycle's tally starts afresh; the server resets the
// store namespace itself, and with it the marks and cut-offs.
func (p *Provider) Reset(ctx context.Context) error {
	p.life.Reset()
	return p.editor.Reset(ctx)
}
