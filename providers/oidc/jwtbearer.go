package oidc

import (
	"context"
	"errors"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// jwtBearerGrant is the RFC 7523 §2.1 JWT bearer grant: a JWT a trusted
// issuer signed about a user of this instance is exchanged for tokens.
type jwtBearerGrant struct{ p *Provider }

func (jwtBearerGrant) Type() oauth.GrantType { return oauth.GrantJWTBearer }

// AllowPublic is false: the assertion proves the user, not the client.
func (jwtBearerGrant) AllowPublic() bool { return false }

// bearerJTIPrefix keys used grant assertions in the instance's store.
const bearerJTIPrefix = "jwt_bearer_jti/"

func (g jwtBearerGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	assertion := req.Form.Get("assertion")
	if assertion == "" {
		return nil, oauth.InvalidRequest("assertion is required")
	}
	scopes, err := p.grantScopes(req.Client, req.Form.Get("scope"))
	if err != nil {
		return nil, err
	}
	user, claims, err := p.verifyBearerAssertion(assertion)
	if err != nil {
		return nil, err
	}
	// The jti is recorded only now, when everything else held, so a
	// refused assertion can be corrected and sent again (RFC 7523 §3
	// item 7 makes jti optional; one without is not replay-checked).
	if jti := claimString(claims.claims, "jti"); jti != "" {
		exp, _ := claims.claims.GetExpirationTime()
		replay := oauth.StoreReplay{Records: p.deps.Store, Prefix: bearerJTIPrefix}
		switch err := replay.Claim(ctx, claims.issuer+"\x00"+jti, exp.Add(assertionLeeway)); {
		case errors.Is(err, oauth.ErrReplayed):
			return nil, oauth.InvalidGrant("the assertion has already been used (jti)")
		case err != nil:
			return nil, err
		}
	}
	grant := store.Grant{ClientID: req.Client.ID, Subject: user.SubjectOrUsername(), Username: user.Username, Scopes: scopes, AuthTime: p.now()}
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{idToken: true})
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

// verifyBearerAssertion applies RFC 7523 §3 to a grant assertion; every
// failure is invalid_grant (§3.1). It records nothing.
func (p *Provider) verifyBearerAssertion(assertion string) (fixtures.User, trusted, error) {
	t, err := p.verifyTrusted(assertion, "")
	switch {
	case errors.Is(err, errUntrusted):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion's issuer is not trusted")
	case errors.Is(err, jwt.ErrTokenExpired):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion has expired").WithCause(err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion is not valid yet (nbf)").WithCause(err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion was issued in the future (iat)").WithCause(err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion has no exp").WithCause(err)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion is not a signed JWT").WithCause(err)
	case err != nil:
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion does not verify with its issuer's keys").WithCause(err)
	}
	exp, _ := t.claims.GetExpirationTime()
	sub := claimString(t.claims, "sub")
	switch {
	case sub == "":
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion has no sub")
	case !hasAudience(t.claims, p.url(PathToken), p.deps.Issuer):
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion's aud must contain %s or %s", p.url(PathToken), p.deps.Issuer)
	case exp.Sub(p.deps.Clock.Now()) > maxAssertionLifetime:
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion's exp is more than %s away", maxAssertionLifetime)
	}
	u, ok := p.dir.UserBySubject(sub)
	if !ok {
		u, ok = p.dir.User(sub)
	}
	if !ok || u.Disabled {
		return fixtures.User{}, t, oauth.InvalidGrant("the assertion's sub names no user of this instance who may sign in")
	}
	return u, t, nil
}
