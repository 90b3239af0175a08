package trackmania

import (
	"context"
	"errors"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// Every grant is for confidential clients only: Trackmania apps always
// have a secret (the implicit grant, the public clients' flow, "won't be
// available").

// codeGrant redeems authorization codes (RFC 6749 §4.1.3): single use,
// bound to the client and the redirect_uri of the authorization request.
type codeGrant struct{ p *Provider }

func (codeGrant) Type() oauth.GrantType { return oauth.GrantAuthorizationCode }
func (codeGrant) AllowPublic() bool     { return false }

func (g codeGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	code, redirectURI := req.Form.Get("code"), req.Form.Get("redirect_uri")
	switch {
	case code == "":
		return nil, oauth.InvalidRequest("code is required")
	case redirectURI == "":
		return nil, oauth.InvalidRequest("redirect_uri is required")
	}
	verifier := req.Form.Get("code_verifier")
	// The checks run before the code is consumed, so a request with a
	// wrong redirect URI or verifier leaves the code redeemable.
	grant, err := p.deps.Store.ConsumeCode(ctx, code, func(gr store.Grant) error {
		if gr.ClientID != req.Client.ID {
			return oauth.InvalidGrant("the authorization code was issued to another client")
		}
		if redirectURI != gr.RedirectURI {
			return oauth.InvalidGrant("redirect_uri does not match the one used in the authorization request")
		}
		if !p.cfg.PKCE {
			return nil // like the real API, which ignores code_verifier
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
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{refresh: req.Client.AllowsGrant(string(oauth.GrantRefreshToken))})
	if errors.Is(err, store.ErrRevoked) {
		// A replay racing this redemption revoked the grant before its
		// refresh token was stored: the code counts as used.
		return nil, oauth.InvalidGrant("the authorization code has already been used")
	}
	return out, err
}

// refreshGrant answers a refresh token with a new access token and a new
// refresh token ("a new access token alongside a new refresh token"). By
// default it rotates: the presented token is retired, and presenting a
// retired one revokes the whole grant (OAuth 2.0 Security BCP §4.14.2).
// Whether the real API retires old tokens is undocumented, so
// refresh_token_rotation=false keeps them working instead.
type refreshGrant struct{ p *Provider }

func (refreshGrant) Type() oauth.GrantType { return oauth.GrantRefreshToken }
func (refreshGrant) AllowPublic() bool     { return false }

func (g refreshGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	presented := req.Form.Get("refresh_token")
	if presented == "" {
		return nil, oauth.InvalidRequest("refresh_token is required")
	}
	requested := oauth.ParseScope(req.Form.Get("scope"))
	if !p.cfg.RefreshTokenRotation {
		return g.reissue(ctx, req, presented, requested)
	}
	// A token the lifecycle refuses must fail before it is rotated, and the
	// lifecycle cannot be asked from inside the rotation. A token the store
	// already refuses is left to the rotation, which detects reuse.
	old, err := p.deps.Store.LookupRefresh(ctx, presented)
	if err == nil {
		if err := g.checkLifecycle(ctx, old, req); err != nil {
			return nil, err
		}
		if _, err := g.check(old, req, requested); err != nil {
			return nil, err
		}
	}
	next, err := p.deps.RandomToken()
	if err != nil {
		return nil, err
	}
	now := p.now()
	expiry := now.Add(p.refreshTTL(req.Client))
	// The access token is stamped before the rotation, so that its stamp
	// joins the family in the same atomic step.
	stamp := p.life.NewAccess(old.Grant.Username, req.Client.ID, old.Grant.FamilyID, now.Add(p.accessTTL(req.Client)))
	var accessScopes []string
	rec, err := p.deps.Store.RotateRefresh(ctx, presented, next, func(old store.RefreshRecord) (store.RefreshRecord, error) {
		scopes, err := g.check(old, req, requested)
		if err != nil {
			return old, err
		}
		accessScopes = scopes
		// The successor keeps the whole grant and a fresh lifetime; only
		// this access token is narrowed (RFC 6749 §6).
		return store.RefreshRecord{Grant: old.Grant, IssuedAt: now, ExpiresAt: expiry, Access: []store.AccessStamp{stamp.Stamp()}}, nil
	})
	if err != nil {
		p.life.Discard(stamp)
	}
	switch {
	case errors.Is(err, store.ErrReused):
		// The store revoked the family; its access tokens go too.
		if rerr := p.life.RevokeGrant(ctx, rec.Grant.FamilyID); rerr != nil {
			return nil, rerr
		}
		p.log.InfoContext(ctx, "refresh token reused; its grant is revoked", "client_id", req.Client.ID)
		return nil, oauth.InvalidGrant("the refresh token has already been used")
	case err != nil:
		return nil, refreshError(err)
	}
	p.life.Rotated(lifecycle.RefreshFacts(rec), expiry)
	return p.issueTokens(ctx, rec.Grant, req.Client, issueOptions{refreshToken: next, stamp: &stamp, accessScopes: accessScopes})
}

// reissue is refresh without rotation: the presented token stays valid
// and a new one joins its family.
func (g refreshGrant) reissue(ctx context.Context, req *oauth.TokenRequest, presented string, requested []string) (*oauth.TokenResponse, error) {
	rec, err := g.p.deps.Store.LookupRefresh(ctx, presented)
	if err != nil {
		return nil, refreshError(err)
	}
	if err := g.checkLifecycle(ctx, rec, req); err != nil {
		return nil, err
	}
	scopes, err := g.check(rec, req, requested)
	if err != nil {
		return nil, err
	}
	out, err := g.p.issueTokens(ctx, rec.Grant, req.Client, issueOptions{refresh: true, accessScopes: scopes})
	if errors.Is(err, store.ErrRevoked) {
		return nil, refreshError(err) // revoked between the lookup and the issue
	}
	return out, err
}

// check judges a refresh token's record for this request and returns the
// scopes of the new access token.
func (g refreshGrant) check(rec store.RefreshRecord, req *oauth.TokenRequest, requested []string) ([]string, error) {
	if rec.Grant.ClientID != req.Client.ID {
		return nil, oauth.InvalidGrant("the refresh token was issued to another client")
	}
	// Users change at runtime; a removed or disabled one keeps no session
	// alive.
	if u, ok := g.p.dir.UserBySubject(rec.Grant.Subject); !ok || u.Disabled {
		return nil, oauth.InvalidGrant("the user of the refresh token no longer exists or is disabled")
	}
	return oauth.Narrow(rec.Grant.Scopes, requested)
}

// checkLifecycle refuses a refresh token the lifecycle says is revoked or
// expired, with the error of any dead refresh token: after the client
// check, which a token of another client always fails first, and before
// the user's, so that a deleted user's revoked token reads as revoked.
func (g refreshGrant) checkLifecycle(ctx context.Context, rec store.RefreshRecord, req *oauth.TokenRequest) error {
	if rec.Grant.ClientID != req.Client.ID {
		return oauth.InvalidGrant("the refresh token was issued to another client")
	}
	st, err := g.p.life.Check(ctx, lifecycle.RefreshFacts(rec))
	switch {
	case err != nil:
		return err
	case st == lifecycle.Revoked:
		return refreshError(store.ErrRevoked)
	case st == lifecycle.Expired:
		return refreshError(store.ErrExpired)
	}
	return nil
}

// refreshError maps the store's verdict on a refresh token to the error a
// client sees; the store's own words never reach it.
func refreshError(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired) || errors.Is(err, store.ErrRevoked) || errors.Is(err, store.ErrReused) {
		return oauth.InvalidGrant("the refresh token is invalid, expired or revoked")
	}
	return err
}

// clientCredentialsGrant issues a token to the app itself (RFC 6749 §4.4):
// no user, no refresh token, and no scopes: the documentation says scopes
// "will have no effect", so the scope parameter is ignored, whatever it
// holds.
type clientCredentialsGrant struct{ p *Provider }

func (clientCredentialsGrant) Type() oauth.GrantType { return oauth.GrantClientCredentials }
func (clientCredentialsGrant) AllowPublic() bool     { return false }

func (g clientCredentialsGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	return g.p.issueTokens(ctx, store.Grant{ClientID: req.Client.ID}, req.Client, issueOptions{})
}
