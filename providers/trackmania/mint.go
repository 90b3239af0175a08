package trackmania

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// Mint implements provider.Minter: tokens as if a flow had run. With a user
// it is an authorization-code grant (a refresh token included); without
// one, a client-credentials token.
func (p *Provider) Mint(ctx context.Context, req provider.MintRequest) (provider.MintResult, error) {
	if req.ClientID == "" {
		return provider.MintResult{}, errors.New("client_id is required: Trackmania tokens are always issued to an app")
	}
	client, ok := p.dir.LookupClient(ctx, req.ClientID)
	if !ok {
		return provider.MintResult{}, fmt.Errorf("no client %q", req.ClientID)
	}
	if len(req.Claims) > 0 && p.keys == nil {
		return provider.MintResult{}, errors.New(`extra claims need "access_token_format": "jwt"; opaque tokens carry none`)
	}
	grant := store.Grant{ClientID: client.ID}
	opts := issueOptions{extraClaims: req.Claims, ttl: time.Duration(req.TTLSeconds) * time.Second}
	if req.Username != "" {
		user, ok := p.dir.User(req.Username)
		if !ok {
			return provider.MintResult{}, fmt.Errorf("no user %q", req.Username)
		}
		scopes, err := checkScopes(client, oauth.FormatScope(req.Scopes))
		if err != nil {
			return provider.MintResult{}, err
		}
		family, err := p.deps.RandomHex(16)
		if err != nil {
			return provider.MintResult{}, err
		}
		grant.FamilyID, grant.Subject, grant.Username, grant.Scopes, grant.AuthTime = family, user.Subject, user.Username, scopes, p.now()
		opts.refresh = client.AllowsGrant(string(oauth.GrantRefreshToken))
	}
	out, id, err := p.issue(ctx, grant, client, opts)
	if err != nil {
		return provider.MintResult{}, err
	}
	return provider.MintResult{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, ExpiresIn: out.ExpiresIn, JTI: id}, nil
}

// Reset implements provider.Resetter: the configured clients and users come
// back, and favourites changed at runtime are forgotten (the server also
// resets the store namespace; this keeps Reset right on its own).
func (p *Provider) Reset(ctx context.Context) error {
	p.life.Reset()
	if err := p.editor.Reset(ctx); err != nil {
		return err
	}
	recs, err := p.deps.Store.ListRecords(ctx, "fav:")
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if err := p.deps.Store.DeleteRecord(ctx, rec.Key); err != nil {
			return err
		}
	}
	return nil
}
