package trackmania

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// The authorization endpoint, its login page and the code and refresh
// grants are internal/authcode's; this file is Trackmania's policy for
// them.

// newFlow builds the instance's authorization-code flow as league runs
// it: no iss in the redirect, redirect_uri always sent (and so demanded
// back at the token endpoint), PKCE only when configured, confidential
// clients only, the subject the accountId, league's reuse semantics unless
// configured otherwise, league's errors and hints.
func (p *Provider) newFlow() (*authcode.Flow, error) {
	reuse := authcode.ReuseRefuse
	if p.cfg.Reuse == ReuseRevokeGrant {
		reuse = authcode.ReuseRevoke
	}
	return authcode.New(authcode.Deps{Deps: p.deps, Dir: p.dir, Life: p.life}, authcode.Policy{
		Interactive:        p.cfg.Interactive,
		DecisionURL:        p.url(PathAuthorizeDecision),
		RequireRedirectURI: true,
		CodeGrantEnabled:   true,
		// prompt is accepted and ignored, as the real server is assumed to.
		PKCE:    authcode.PKCERules{Honour: p.cfg.PKCE},
		CodeTTL: p.cfg.CodeTTL.D(),
		Scopes:  checkScopes,
		Subject: func(u fixtures.User) string { return u.Subject },
		// Trackmania apps always have a secret: the implicit grant, the
		// public clients' flow, "won't be available".
		AllowPublic: false,
		VerifyPKCE:  p.verifyPKCE,
		OffersRefresh: func(c fixtures.Client) bool {
			return c.AllowsGrant(string(oauth.GrantRefreshToken))
		},
		Reuse:             reuse,
		KeepRefreshTokens: !p.cfg.RefreshTokenRotation,
		RevokePrevious:    p.revokePrevious,
		Word:              wordProblem,
		Pages: authcode.Words{
			Noun:      "application",
			Malformed: malformedPage,
			Implicit:  "the implicit grant is not available; use response_type=code",
			PageNote:  "The application sent an authorization request that authmock cannot return to safely (an unknown application or an unregistered redirect_uri), so it stops here instead of redirecting.",
			Asks:      " your Trackmania account",
			Always:    []string{"your account id and display name"},
		},
	}, flowTokens{p})
}

// malformedPage words an authorization request whose query cannot be read.
func malformedPage(err error) (string, string) {
	if errors.Is(err, authcode.ErrBadEncoding) {
		return "Cannot continue", "The query string is not valid URL encoding."
	}
	return "Cannot continue", "The request is malformed: " + err.Error() + "."
}

// checkScopes parses a space-separated scope parameter: each item must be
// a scope the API knows (and the client may ask for); empty is valid.
func checkScopes(client fixtures.Client, param string) ([]string, error) {
	scopes := oauth.ParseScope(param)
	for _, s := range scopes {
		if !slices.Contains(knownScopes, s) {
			return nil, oauth.InvalidScope("unknown scope %q (have clubs, read_favorite, write_favorite)", s)
		}
		if len(client.Scopes) > 0 && !slices.Contains(client.Scopes, s) {
			return nil, oauth.InvalidScope("scope %q is not allowed for this application", s)
		}
	}
	return scopes, nil
}

// wordProblem words the kit's token-endpoint problems as league 8 does
// (AuthCodeGrant, RefreshTokenGrant).
func wordProblem(pr authcode.Problem, detail string) error {
	switch pr {
	case authcode.MissingParam, authcode.RedirectURIMissing:
		return invalidRequestParam(detail)
	case authcode.CodeUnknown:
		return invalidRequestHint(hintCodeUnknown)
	case authcode.CodeExpired:
		return invalidRequestHint(hintCodeExpired)
	case authcode.CodeReplayed, authcode.CodeUserGone, authcode.CodeRevoked:
		// league knows no disabled users; a code that cannot be
		// redeemed is a revoked one.
		return invalidRequestHint(hintCodeRevoked)
	case authcode.CodeOtherClient:
		return invalidRequestHint(hintCodeOtherClient)
	case authcode.RedirectURIMismatch:
		return invalidRequestHint(hintRedirectURI)
	case authcode.RefreshUnknown:
		return invalidRefreshToken(hintRefreshUnknown)
	case authcode.RefreshOtherClient:
		return invalidRefreshToken(hintRefreshClient)
	case authcode.RefreshExpired:
		return invalidRefreshToken(hintRefreshExpired)
	case authcode.ScopeNotGranted:
		return invalidScopeHint(detail)
	}
	// Revoked, reused, or its user gone: league knows only revocation.
	return invalidRefreshToken(hintRefreshRevoked)
}

// flowTokens issues the kit's tokens as this dialect does: an opaque or
// league-JWT access token with an 80-character jti, and an opaque refresh
// token linked to that access token.
type flowTokens struct{ p *Provider }

func (t flowTokens) Prepare(g store.Grant, c fixtures.Client) (authcode.Access, error) {
	stamp := t.p.life.NewAccess(g.Username, c.ID, g.FamilyID, t.p.now().Add(t.p.accessTTL(c)))
	jti, err := t.p.newTokenJTI(stamp.JTI, g.FamilyID)
	if err != nil {
		t.p.life.Discard(stamp)
		return authcode.Access{}, err
	}
	return authcode.Access{Facts: stamp, JTI: jti, Extra: map[string]string{accessJTIKey: jti}}, nil
}

func (t flowTokens) RefreshTTL(c fixtures.Client) time.Duration { return t.p.refreshTTL(c) }

func (t flowTokens) Issue(ctx context.Context, is authcode.Issue) (*oauth.TokenResponse, error) {
	opt := issueOptions{refresh: is.Refresh, refreshToken: is.RefreshToken, accessScopes: is.Scopes}
	if is.Access != nil {
		opt.stamp, opt.jti = &is.Access.Facts, is.Access.JTI
	}
	return t.p.issueTokens(ctx, is.Grant, is.Client, opt)
}
