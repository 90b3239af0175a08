package trackmania

import (
	"context"
	"errors"
	"regexp"
	"slices"

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
	if code == "" {
		return nil, invalidRequestParam("code")
	}
	verifier := req.Form.Get("code_verifier")
	// The checks run before the code is consumed, so a request with a
	// wrong redirect URI or verifier leaves the code redeemable. league
	// asks in this order: expired, revoked, client, redirect_uri.
	grant, err := p.deps.Store.ConsumeCode(ctx, code, func(gr store.Grant) error {
		switch {
		case gr.ClientID != req.Client.ID:
			return invalidRequestHint(hintCodeOtherClient)
		case gr.RedirectURI != "" && redirectURI == "":
			return invalidRequestParam("redirect_uri")
		case redirectURI != gr.RedirectURI:
			return invalidRequestHint(hintRedirectURI)
		case !p.cfg.PKCE:
			return nil // like the real API, which ignores code_verifier
		}
		return leaguePKCE(gr, verifier)
	})
	switch {
	case errors.Is(err, store.ErrConsumed):
		if p.cfg.Reuse == ReuseRevokeGrant {
			// RFC 6749 §4.1.2: a replayed code revokes what it issued.
			if rerr := p.life.RevokeGrant(ctx, grant.FamilyID); rerr != nil {
				return nil, rerr
			}
			p.log.InfoContext(ctx, "authorization code replayed; its grant is revoked", "client_id", req.Client.ID)
		} else {
			// league only refuses it (isAuthCodeRevoked).
			p.log.InfoContext(ctx, "authorization code replayed; refused, its tokens stay valid", "client_id", req.Client.ID)
		}
		return nil, invalidRequestHint(hintCodeRevoked)
	case errors.Is(err, store.ErrExpired):
		return nil, invalidRequestHint(hintCodeExpired)
	case errors.Is(err, store.ErrNotFound):
		return nil, invalidRequestHint(hintCodeUnknown)
	case err != nil:
		return nil, err
	}
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{refresh: req.Client.AllowsGrant(string(oauth.GrantRefreshToken))})
	if errors.Is(err, store.ErrRevoked) {
		// A replay racing this redemption revoked the grant before its
		// refresh token was stored: the code counts as used.
		return nil, invalidRequestHint(hintCodeRevoked)
	}
	return out, err
}

// leaguePKCE checks RFC 7636 as league words it: a missing verifier is
// invalid_request for the parameter, a malformed one invalid_request with
// league's hint, a wrong one invalid_grant.
func leaguePKCE(gr store.Grant, verifier string) error {
	if gr.CodeChallenge == "" {
		return nil
	}
	if verifier == "" {
		return invalidRequestParam("code_verifier")
	}
	if !verifierPattern.MatchString(verifier) {
		return invalidRequestHint("Code Verifier must follow the specifications of RFC-7636.")
	}
	if oauth.VerifyPKCE(gr.CodeChallenge, gr.CodeChallengeMethod, verifier) != nil {
		return oauth.InvalidGrant("%s", hintVerifierFailed)
	}
	return nil
}

// verifierPattern is RFC 7636 §4.1's code_verifier.
var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// refreshGrant answers a refresh token with a new access token and a new
// refresh token ("a new access token alongside a new refresh token"). It
// rotates by default: the presented token is retired. What a retired token
// does when presented again is Config.Reuse: "league" refuses it and
// revokes nothing (league's isRefreshTokenRevoked), and every refresh
// revokes the access token issued with the presented refresh token
// (league's revokeAccessToken); "revoke_grant" revokes the whole grant
// (OAuth 2.0 Security BCP §4.14.2). refresh_token_rotation=false keeps
// presented tokens working (league's revokeRefreshTokens(false)).
type refreshGrant struct{ p *Provider }

func (refreshGrant) Type() oauth.GrantType { return oauth.GrantRefreshToken }
func (refreshGrant) AllowPublic() bool     { return false }

func (g refreshGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	presented := req.Form.Get("refresh_token")
	if presented == "" {
		return nil, invalidRequestParam("refresh_token")
	}
	requested := oauth.ParseScope(req.Form.Get("scope"))
	if !p.cfg.RefreshTokenRotation {
		return g.reissue(ctx, req, presented, requested)
	}
	league := p.cfg.Reuse == ReuseLeague
	if league {
		// The lookup and the rotation are one step, so that a concurrent
		// second use of one token is refused by the lookup and never
		// reaches the rotation, whose reuse detection revokes the family.
		// The lock is this process's; replicas sharing a store claim the
		// rotation in the store as well (claimRotation).
		p.refreshMu.Lock()
		defer p.refreshMu.Unlock()
	}
	// A token the lifecycle refuses must fail before it is rotated, and the
	// lifecycle cannot be asked from inside the rotation. In revoke_grant
	// mode a token the store already refuses is left to the rotation,
	// which detects reuse.
	old, err := p.deps.Store.LookupRefresh(ctx, presented)
	switch {
	case err == nil:
		if err := g.checkLifecycle(ctx, old, req); err != nil {
			return nil, err
		}
		if _, err := g.check(old, req, requested); err != nil {
			return nil, err
		}
	case league || !errors.Is(err, store.ErrReused):
		return nil, refreshError(old, req, err)
	}
	release := func(context.Context) {}
	if league {
		if release, err = p.claimRotation(ctx, presented, old); err != nil {
			return nil, refreshError(old, req, err)
		}
	}
	next, err := p.deps.RandomToken()
	if err != nil {
		release(ctx)
		return nil, err
	}
	now := p.now()
	expiry := now.Add(p.refreshTTL(req.Client))
	// The access token is stamped before the rotation, so that its stamp
	// joins the family in the same atomic step.
	stamp := p.life.NewAccess(old.Grant.Username, req.Client.ID, old.Grant.FamilyID, now.Add(p.accessTTL(req.Client)))
	jti, err := p.newTokenJTI(stamp.JTI, old.Grant.FamilyID)
	if err != nil {
		p.life.Discard(stamp)
		release(ctx)
		return nil, err
	}
	var accessScopes []string
	rec, err := p.deps.Store.RotateRefresh(ctx, presented, next, func(old store.RefreshRecord) (store.RefreshRecord, error) {
		scopes, err := g.check(old, req, requested)
		if err != nil {
			return old, err
		}
		accessScopes = scopes
		// The successor keeps the whole grant and a fresh lifetime; only
		// this access token is narrowed (RFC 6749 §6).
		return store.RefreshRecord{Grant: withAccessJTI(old.Grant, jti), IssuedAt: now, ExpiresAt: expiry, Access: []store.AccessStamp{stamp.Stamp()}}, nil
	})
	if err != nil {
		p.life.Discard(stamp)
		release(ctx)
	}
	switch {
	case errors.Is(err, store.ErrReused) && !league:
		// The store revoked the family; its access tokens go too.
		if rerr := p.life.RevokeGrant(ctx, rec.Grant.FamilyID); rerr != nil {
			return nil, rerr
		}
		p.log.InfoContext(ctx, "refresh token reused; its grant is revoked", "client_id", req.Client.ID)
		return nil, refreshError(rec, req, err)
	case err != nil:
		return nil, refreshError(rec, req, err)
	}
	p.life.Rotated(lifecycle.RefreshFacts(rec), expiry)
	if league {
		if err := p.revokePrevious(ctx, rec.Grant); err != nil {
			return nil, err
		}
	}
	return p.issueTokens(ctx, rec.Grant, req.Client, issueOptions{refreshToken: next, stamp: &stamp, jti: jti, accessScopes: accessScopes})
}

// reissue is refresh without rotation: the presented token stays valid
// and a new one joins its family.
func (g refreshGrant) reissue(ctx context.Context, req *oauth.TokenRequest, presented string, requested []string) (*oauth.TokenResponse, error) {
	rec, err := g.p.deps.Store.LookupRefresh(ctx, presented)
	if err != nil {
		return nil, refreshError(rec, req, err)
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
		return nil, refreshError(rec, req, err) // revoked between the lookup and the issue
	}
	if err == nil && g.p.cfg.Reuse == ReuseLeague {
		err = g.p.revokePrevious(ctx, rec.Grant)
	}
	return out, err
}

// check judges a refresh token's record for this request and returns the
// scopes of the new access token.
func (g refreshGrant) check(rec store.RefreshRecord, req *oauth.TokenRequest, requested []string) ([]string, error) {
	if rec.Grant.ClientID != req.Client.ID {
		return nil, invalidRefreshToken(hintRefreshClient)
	}
	// Users change at runtime; a removed or disabled one keeps no session
	// alive.
	if u, ok := g.p.dir.UserBySubject(rec.Grant.Subject); !ok || u.Disabled {
		return nil, invalidRefreshToken(hintRefreshRevoked)
	}
	// league: each requested scope must be one of the original grant's.
	for _, s := range requested {
		if !slices.Contains(rec.Grant.Scopes, s) {
			return nil, invalidScopeHint(s)
		}
	}
	return oauth.Narrow(rec.Grant.Scopes, requested)
}

// checkLifecycle refuses a refresh token the lifecycle says is revoked or
// expired: after the client check, which a token of another client always
// fails first, and before the user's, so that a deleted user's revoked
// token reads as revoked.
func (g refreshGrant) checkLifecycle(ctx context.Context, rec store.RefreshRecord, req *oauth.TokenRequest) error {
	if rec.Grant.ClientID != req.Client.ID {
		return invalidRefreshToken(hintRefreshClient)
	}
	st, err := g.p.life.Check(ctx, lifecycle.RefreshFacts(rec))
	switch {
	case err != nil:
		return err
	case st == lifecycle.Revoked:
		return invalidRefreshToken(hintRefreshRevoked)
	case st == lifecycle.Expired:
		return invalidRefreshToken(hintRefreshExpired)
	}
	return nil
}

// refreshError maps the store's verdict on a refresh token to league's
// error (RefreshTokenGrant::validateOldRefreshToken: client, then expiry,
// then revocation); the store's own words never reach the client.
func refreshError(rec store.RefreshRecord, req *oauth.TokenRequest, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return invalidRefreshToken(hintRefreshUnknown)
	case rec.Grant.ClientID != "" && rec.Grant.ClientID != req.Client.ID:
		return invalidRefreshToken(hintRefreshClient)
	case errors.Is(err, store.ErrExpired):
		return invalidRefreshToken(hintRefreshExpired)
	case errors.Is(err, store.ErrRevoked), errors.Is(err, store.ErrReused):
		return invalidRefreshToken(hintRefreshRevoked)
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
