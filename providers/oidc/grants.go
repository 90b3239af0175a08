package oidc

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// codeGrant redeems authorization codes (RFC 6749 §4.1.3, RFC 7636 §4.5).
type codeGrant struct{ p *Provider }

func (codeGrant) Type() oauth.GrantType { return oauth.GrantAuthorizationCode }
func (codeGrant) AllowPublic() bool     { return true }

func (g codeGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	code := req.Form.Get("code")
	if code == "" {
		return nil, oauth.InvalidRequest("code is required")
	}
	redirectURI, verifier := req.Form.Get("redirect_uri"), req.Form.Get("code_verifier")
	// Every check runs before the code is consumed, so a request with a
	// wrong verifier or redirect URI leaves the code redeemable.
	grant, err := p.deps.Store.ConsumeCode(ctx, code, func(gr store.Grant) error {
		if gr.ClientID != req.Client.ID {
			return oauth.InvalidGrant("the authorization code was issued to another client")
		}
		if gr.RedirectURI != "" && redirectURI != gr.RedirectURI {
			return oauth.InvalidGrant("redirect_uri does not match the one used in the authorization request")
		}
		return oauth.VerifyPKCE(gr.CodeChallenge, gr.CodeChallengeMethod, verifier)
	})
	switch {
	case errors.Is(err, store.ErrConsumed):
		// RFC 6749 §4.1.2: a replayed code revokes what it issued.
		if rerr := p.life.RevokeGrant(ctx, grant.FamilyID); rerr != nil {
			return nil, rerr
		}
		p.log.InfoContext(ctx, "authorization code replayed; its grant is revoked", "client_id", req.Client.ID)
		return nil, oauth.InvalidGrant("the authorization code has already been used")
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return nil, oauth.InvalidGrant("the authorization code is invalid or expired")
	case err != nil:
		return nil, err
	}
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{refresh: p.offersRefresh(req.Client), idToken: true})
	if errors.Is(err, store.ErrRevoked) {
		// A replay of this code, racing this redemption, revoked the grant
		// before its refresh token was stored: the code counts as used.
		return nil, oauth.InvalidGrant("the authorization code has already been used")
	}
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

// offersRefresh reports whether tokens for c come with a refresh token.
func (p *Provider) offersRefresh(c fixtures.Client) bool {
	return slices.Contains(p.cfg.GrantTypes, string(oauth.GrantRefreshToken)) && c.AllowsGrant(string(oauth.GrantRefreshToken))
}

// refreshGrant rotates refresh tokens (RFC 6749 §6) with reuse detection
// (OAuth 2.0 Security BCP §4.14.2).
type refreshGrant struct{ p *Provider }

func (refreshGrant) Type() oauth.GrantType { return oauth.GrantRefreshToken }
func (refreshGrant) AllowPublic() bool     { return true }

func (g refreshGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	presented := req.Form.Get("refresh_token")
	if presented == "" {
		return nil, oauth.InvalidRequest("refresh_token is required")
	}
	// The lifecycle judges the family before anything rotates: a grant
	// revoked or expired by the admin API (or by its user's or client's
	// cut-off) is refused here, as the store refuses an expired token.
	rec, err := p.deps.Store.LookupRefresh(ctx, presented)
	if err == nil {
		switch st, err := p.life.Check(ctx, lifecycle.RefreshFacts(rec)); {
		case err != nil:
			return nil, err
		case st != lifecycle.Live:
			return nil, errRefreshGone()
		}
	}
	requested := oauth.ParseScope(req.Form.Get("scope"))
	next, err := p.deps.RandomToken()
	if err != nil {
		return nil, err
	}
	now := p.now()
	// The access token is stamped before the rotation, so that its stamp
	// joins the family in the same atomic step; the lifecycle is not
	// called from inside the store's lock.
	af := p.life.NewAccess(rec.Grant.Username, req.Client.ID, rec.Grant.FamilyID, now.Add(p.accessTTL(req.Client)))
	var (
		accessScopes []string
		expiresAt    time.Time
	)
	rec, err = p.deps.Store.RotateRefresh(ctx, presented, next, func(old store.RefreshRecord) (store.RefreshRecord, error) {
		if old.Grant.ClientID != req.Client.ID {
			return old, oauth.InvalidGrant("the refresh token was issued to another client")
		}
		if err := p.checkRefreshBinding(ctx, old.Grant); err != nil {
			return old, err
		}
		// Signing in refuses disabled users; refreshing must not keep their
		// sessions alive either (users change at runtime via the admin API).
		if old.Grant.Subject != "" {
			if u, ok := p.dir.UserBySubject(old.Grant.Subject); !ok || u.Disabled {
				return old, oauth.InvalidGrant("the user of the refresh token no longer exists or is disabled")
			}
		}
		scopes, err := oauth.Narrow(old.Grant.Scopes, requested)
		if err != nil {
			return old, err
		}
		accessScopes = scopes
		// The new refresh token keeps the original scope (RFC 6749 §6);
		// only this access token is narrowed.
		successor := store.RefreshRecord{Grant: old.Grant, IssuedAt: now, Access: []store.AccessStamp{af.Stamp()}}
		if d := p.refreshTTL(req.Client); d > 0 {
			successor.ExpiresAt = now.Add(d)
		}
		expiresAt = successor.ExpiresAt
		return successor, nil
	})
	if err != nil {
		p.life.Discard(af)
	}
	switch {
	case errors.Is(err, store.ErrReused):
		// The store revoked the family; the lifecycle revokes its access
		// tokens too.
		if _, rerr := p.life.RevokeToken(ctx, lifecycle.RefreshFacts(rec)); rerr != nil {
			return nil, rerr
		}
		p.log.InfoContext(ctx, "refresh token reused; its grant is revoked", "client_id", req.Client.ID)
		return nil, oauth.InvalidGrant("the refresh token has already been used")
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		return nil, errRefreshGone()
	case err != nil:
		return nil, err
	}
	p.life.Rotated(lifecycle.RefreshFacts(rec), expiresAt)
	grant := rec.Grant.Clone()
	grant.Scopes = accessScopes
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{refreshToken: next, refreshExpiresAt: expiresAt, access: &af, idToken: true})
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

// errRefreshGone is the error for a refresh token that is unknown, expired
// or revoked, which RFC 6749 §5.2 lumps together.
func errRefreshGone() *oauth.Error {
	return oauth.InvalidGrant("the refresh token is invalid, expired or revoked")
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
