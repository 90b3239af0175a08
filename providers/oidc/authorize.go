package oidc

import (
	"context"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/oauth/dpop"
	"github.com/authmock/authmock/internal/store"
)

// The authorization endpoint, its login page and the code and refresh
// grants are internal/authcode's; this file is oidc's policy for them.

// newFlow builds the instance's authorization-code flow: RFC 9207's iss
// in every redirect, PKCE required of public clients, plain only when
// configured, a replayed code or reused refresh token revoking its grant,
// RFC 6749's error texts.
func (p *Provider) newFlow() (*authcode.Flow, error) {
	return authcode.New(authcode.Deps{Deps: p.deps, Dir: p.dir, Life: p.life, Clients: p.clients}, authcode.Policy{
		Interactive:      p.cfg.Interactive,
		DecisionURL:      p.url(PathAuthorizeDecision),
		AcceptPOST:       true,
		OpenID:           true,
		IssuerInRedirect: true,
		CodeGrantEnabled: slices.Contains(p.cfg.GrantTypes, string(oauth.GrantAuthorizationCode)),
		PKCE:             authcode.PKCERules{Honour: true, PublicClients: true, RefusePlain: !p.cfg.AllowPlainPKCE},
		CodeTTL:          p.cfg.CodeTTL.D(),
		DPoP:             authcode.DPoPBinding{Enabled: p.cfg.DPoP.Enabled, PushedKey: p.pushedDPoPKey, TokenKey: tokenDPoPKey},
		Pushed: authcode.PushedRules{TTL: p.cfg.PushedRequestTTL.D(), Required: func(c fixtures.Client) bool {
			return p.cfg.RequirePushedAuthorizationRequests || c.RequirePushedAuthorizationRequests
		}},
		Scopes:              p.grantScopes,
		Subject:             fixtures.User.SubjectOrUsername,
		AllowPublic:         true,
		OffersRefresh:       p.offersRefresh,
		Reuse:               authcode.ReuseRevoke,
		RefreshRevokesGrant: true,
		CheckRefresh:        p.checkRefreshBinding,
		Word:                wordProblem,
		Pages: authcode.Words{
			Noun:      "client",
			Malformed: func(err error) (string, string) { return "Invalid request", err.Error() },
			PageNote:  "The application sent an authorization request that authmock cannot return to safely, so it stops here instead of redirecting.",
			Fallback:  "your basic identity",
		},
		ExtraPages: templateFS,
	}, flowTokens{p})
}

// wordProblem words the kit's token-endpoint problems as RFC 6749 §5.2
// errors with this dialect's descriptions.
func wordProblem(pr authcode.Problem, detail string) error {
	switch pr {
	case authcode.MissingParam:
		return oauth.InvalidRequest("%s is required", detail)
	case authcode.CodeUnknown, authcode.CodeExpired:
		return oauth.InvalidGrant("the authorization code is invalid or expired")
	case authcode.CodeReplayed:
		return oauth.InvalidGrant("the authorization code has already been used")
	case authcode.CodeOtherClient:
		return oauth.InvalidGrant("the authorization code was issued to another client")
	case authcode.RedirectURIMissing, authcode.RedirectURIMismatch:
		return oauth.InvalidGrant("redirect_uri does not match the one used in the authorization request")
	case authcode.RefreshReused:
		return oauth.InvalidGrant("the refresh token has already been used")
	case authcode.RefreshOtherClient:
		return oauth.InvalidGrant("the refresh token was issued to another client")
	case authcode.CodeDPoPKey:
		if detail == "" {
			return dpop.InvalidProof("the authorization code is bound to a DPoP key (dpop_jkt); send a DPoP proof signed with it")
		}
		return dpop.InvalidProof("the DPoP proof's key is not the one the authorization request bound the code to (dpop_jkt)")
	case authcode.CodeRevoked:
		return oauth.InvalidGrant("the authorization code has been revoked")
	case authcode.CodeUserGone:
		return oauth.InvalidGrant("the user of the authorization code no longer exists or is disabled")
	case authcode.RefreshUserGone:
		return oauth.InvalidGrant("the user of the refresh token no longer exists or is disabled")
	case authcode.ScopeNotGranted:
		return oauth.InvalidScope("scope %q was not part of the original grant", detail)
	}
	// Unknown, expired and revoked refresh tokens, which RFC 6749 §5.2
	// lumps together.
	return oauth.InvalidGrant("the refresh token is invalid, expired or revoked")
}

// flowTokens issues the kit's tokens as this dialect does: a JWT access
// token, an ID token when openid was granted, a refresh family.
type flowTokens struct{ p *Provider }

func (t flowTokens) Prepare(g store.Grant, c fixtures.Client) (authcode.Access, error) {
	return authcode.Access{Facts: t.p.life.NewAccess(g.Username, c.ID, g.FamilyID, t.p.now().Add(t.p.accessTTL(c)))}, nil
}

func (t flowTokens) RefreshTTL(c fixtures.Client) time.Duration { return t.p.refreshTTL(c) }

func (t flowTokens) Issue(ctx context.Context, is authcode.Issue) (*oauth.TokenResponse, error) {
	opt := issueOptions{refresh: is.Refresh, refreshToken: is.RefreshToken, refreshExpiresAt: is.RefreshExpiresAt, idToken: true}
	g := is.Grant
	if is.Access != nil {
		opt.access = &is.Access.Facts
	}
	if is.Scopes != nil {
		g = g.Clone()
		g.Scopes = is.Scopes
	}
	out, err := t.p.issueTokens(ctx, g, is.Client, opt)
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}
