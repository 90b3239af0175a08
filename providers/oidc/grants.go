package oidc

import (
	"context"
	"slices"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// offersRefresh reports whether tokens for c come with a refresh token.
func (p *Provider) offersRefresh(c fixtures.Client) bool {
	return slices.Contains(p.cfg.GrantTypes, string(oauth.GrantRefreshToken)) && c.AllowsGrant(string(oauth.GrantRefreshToken))
}

// clientCredentialsGrant issues tokens to a client acting for itself
// (RFC 6749 §4.4): no refresh token, no ID token.
type clientCredentialsGrant struct{ p *Provider }

func (clientCredentialsGrant) Type() oauth.GrantType { return oauth.GrantClientCredentials }
func (clientCredentialsGrant) AllowPublic() bool     { return false }

func (g clientCredentialsGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	scopes, err := p.grantScopes(req.Client, req.Form.Get("scope"))
	if err != nil {
		return nil, err
	}
	grant := store.Grant{ClientID: req.Client.ID, Scopes: scopes}
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{})
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

// passwordGrant is the resource owner password credentials grant (RFC 6749
// §4.3), kept because test suites and legacy apps still use it.
type passwordGrant struct{ p *Provider }

func (passwordGrant) Type() oauth.GrantType { return oauth.GrantPassword }
func (passwordGrant) AllowPublic() bool     { return true }

func (g passwordGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	username, password := req.Form.Get("username"), req.Form.Get("password")
	if username == "" || req.Form["password"] == nil {
		return nil, oauth.InvalidRequest("username and password are required")
	}
	scopes, err := p.grantScopes(req.Client, req.Form.Get("scope"))
	if err != nil {
		return nil, err
	}
	user, ok := p.dir.CheckPassword(username, password)
	if !ok {
		return nil, oauth.InvalidGrant("invalid username or password")
	}
	familyID, err := p.deps.RandomHex(16)
	if err != nil {
		return nil, err
	}
	grant := store.Grant{FamilyID: familyID, ClientID: req.Client.ID, Subject: user.SubjectOrUsername(), Username: user.Username, Scopes: scopes, AuthTime: p.now()}
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{refresh: p.offersRefresh(req.Client), idToken: true})
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

// grantScopes parses and checks a scope parameter against what the client
// may ask for. With no scope parameter a client that declares scopes gets
// all of them (RFC 6749 §3.3 lets the server pick a default).
func (p *Provider) grantScopes(c fixtures.Client, param string) ([]string, error) {
	requested := oauth.ParseScope(param)
	if len(requested) == 0 {
		return slices.Clone(c.Scopes), nil
	}
	allowed := c.Scopes
	if len(allowed) == 0 {
		allowed = p.scopes
	}
	if err := oauth.CheckScopes(requested, allowed); err != nil {
		return nil, err
	}
	return requested, nil
}
