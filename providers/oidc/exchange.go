package oidc

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// exchangeGrant is RFC 8693 token exchange: a client presents a subject
// token (and, for delegation, an actor token) and receives a new token for
// the audiences its token_exchange configuration allows.
type exchangeGrant struct{ p *Provider }

func (exchangeGrant) Type() oauth.GrantType { return oauth.GrantTokenExchange }

// AllowPublic is false: exchanging a user's token for another audience is
// a privilege the configuration gives to a client that proves who it is.
func (exchangeGrant) AllowPublic() bool { return false }

// exchangeRequest is a parsed, validated token exchange request.
type exchangeRequest struct {
	subjectToken, subjectType string
	actorToken, actorType     string
	targets                   []string // audience and resource values, in order, once each
	scope                     []string
	requestedType             string
}

// parseExchange reads RFC 8693 §2.1's parameters; every missing or
// malformed one is invalid_request (§2.2.2).
func parseExchange(req *oauth.TokenRequest) (exchangeRequest, error) {
	f := req.Form
	x := exchangeRequest{
		subjectToken: f.Get("subject_token"), subjectType: f.Get("subject_token_type"),
		actorToken: f.Get("actor_token"), actorType: f.Get("actor_token_type"),
		scope: oauth.ParseScope(f.Get("scope")), requestedType: f.Get("requested_token_type"),
	}
	switch {
	case x.subjectToken == "":
		return x, oauth.InvalidRequest("subject_token is required")
	case x.subjectType == "":
		return x, oauth.InvalidRequest("subject_token_type is required")
	case x.actorToken != "" && x.actorType == "":
		return x, oauth.InvalidRequest("actor_token_type is required with actor_token")
	case x.actorToken == "" && x.actorType != "":
		return x, oauth.InvalidRequest("actor_token_type must not be sent without actor_token")
	}
	for _, name := range []string{"audience", "resource"} {
		for _, t := range f[name] {
			if t == "" {
				return x, oauth.InvalidRequest("%s must not be empty", name)
			}
			if !slices.Contains(x.targets, t) {
				x.targets = append(x.targets, t)
			}
		}
	}
	switch x.requestedType {
	case "":
		x.requestedType = oauth.TokenTypeAccessToken
	case oauth.TokenTypeAccessToken, oauth.TokenTypeJWT, oauth.TokenTypeIDToken:
	default:
		return x, oauth.InvalidRequest("requested_token_type %q is not supported (access_token, jwt or id_token)", clipValue(x.requestedType))
	}
	return x, nil
}

func (g exchangeGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	perm := req.Client.TokenExchange
	if perm == nil {
		return nil, oauth.UnauthorizedClient("the client may not exchange tokens (no token_exchange in its configuration)")
	}
	x, err := parseExchange(req)
	if err != nil {
		return nil, err
	}
	for _, t := range x.targets {
		if !slices.Contains(perm.Audiences, t) {
			return nil, oauth.InvalidTarget("the client may not exchange tokens for %q", clipValue(t))
		}
	}
	subject, err := p.readExchangeToken(ctx, x.subjectToken, x.subjectType, "subject_token")
	if err != nil {
		return nil, err
	}
	var act map[string]any
	if x.actorToken != "" {
		actor, err := p.readExchangeToken(ctx, x.actorToken, x.actorType, "actor_token")
		if err != nil {
			return nil, err
		}
		if !mayAct(subject.mayAct, actor) {
			return nil, oauth.InvalidRequest("the actor_token's subject may not act for the subject_token's (may_act)")
		}
		act = p.actClaim(actor, subject)
	}
	scopes, err := p.exchangeScopes(req.Client, subject, x.scope)
	if err != nil {
		return nil, err
	}
	aud := jwt.ClaimStrings(x.targets)
	if len(aud) == 0 {
		aud = p.audience(req.Client)
	}
	if x.requestedType == oauth.TokenTypeIDToken {
		return p.exchangeIDToken(req.Client, subject, aud, scopes, act)
	}
	return p.exchangeAccessToken(ctx, req.Client, subject, aud, scopes, act, x.requestedType)
}

// exchangeScopes narrows: the new token's scope is within the subject
// token's (RFC 8693 §2.1 scope; RFC 6749 §3.3), and within what the client
// may ask for when it declares scopes. A subject token without a scope
// (an ID token) is judged as the client's own request would be (its
// declared scopes, else any the instance supports).
func (p *Provider) exchangeScopes(c fixtures.Client, subject exchangeToken, requested []string) ([]string, error) {
	if !subject.hasScope {
		return p.grantScopes(c, oauth.FormatScope(requested))
	}
	base := subject.scopes
	if len(c.Scopes) > 0 {
		base = slices.DeleteFunc(slices.Clone(base), func(s string) bool { return !slices.Contains(c.Scopes, s) })
	}
	if len(requested) == 0 {
		return slices.Clone(base), nil
	}
	for _, s := range requested {
		if !slices.Contains(base, s) {
			return nil, oauth.InvalidScope("scope %q is not within the subject token's scope", clipValue(s))
		}
	}
	return requested, nil
}

// actClaim is RFC 8693 §4.1's act: the actor, with the subject token's own
// act (the prior actors) nested inside.
func (p *Provider) actClaim(actor, subject exchangeToken) map[string]any {
	act := map[string]any{"sub": actor.sub}
	if actor.issuer != p.deps.Issuer {
		act["iss"] = actor.issuer
	}
	if subject.act != nil {
		act["act"] = subject.act
	}
	return act
}

// exchangedClaims are an access token's claims plus the delegation chain.
type exchangedClaims struct {
	accessClaims
	Act map[string]any `json:"act,omitempty"`
}

// exchangeAccessToken mints an RFC 9068 access token for the subject,
// stamped by the lifecycle like every other access token: revoking or
// expiring by user (a subject who is a user of this instance), by client
// (the exchanging client), by jti, or the subject token's grant (its sid,
// which the new token keeps) reaches it.
func (p *Provider) exchangeAccessToken(ctx context.Context, c fixtures.Client, subject exchangeToken, aud jwt.ClaimStrings, scopes []string, act map[string]any, requested string) (*oauth.TokenResponse, error) {
	now := p.now()
	ttl := p.accessTTL(c)
	af := p.life.NewAccess(subject.username, c.ID, subject.family, now.Add(ttl))
	claims := exchangedClaims{accessClaims: accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: p.deps.Issuer, Subject: subject.sub, Audience: aud,
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ID: af.JTI,
		},
		ClientID: c.ID, Scope: oauth.FormatScope(scopes), SID: subject.family,
	}, Act: act}
	// A DPoP proof with the request (dpop.go) binds the new token to its
	// key, as for every other grant (RFC 9449 §5).
	tokenType := "Bearer"
	if pr := proofFrom(ctx); pr != nil {
		claims.Cnf = &confirmation{JKT: pr.JKT}
		tokenType = "DPoP"
	}
	token, err := p.keys.SignWithType(accessTokenType, claims)
	if err != nil {
		p.life.Discard(af)
		return nil, err
	}
	// RFC 8693 §2.2.1: a JWT access token is usable as an access token
	// whichever identifier the client asked for, so token_type is Bearer
	// (or DPoP), never N_A.
	return &oauth.TokenResponse{
		AccessToken: token, TokenType: tokenType, ExpiresIn: int64(ttl / time.Second),
		Scope: oauth.FormatScope(scopes), Extra: map[string]any{"issued_token_type": requested},
	}, nil
}

// exchangeIDToken issues an ID token about a user of this instance, for
// the requested audiences, carrying the subject token's grant as sid. It
// is not an access token: token_type is N_A (RFC 8693 §2.2.1), and like
// every ID token it is not tracked.
func (p *Provider) exchangeIDToken(c fixtures.Client, subject exchangeToken, aud jwt.ClaimStrings, scopes []string, act map[string]any) (*oauth.TokenResponse, error) {
	u, ok := p.dir.UserBySubject(subject.sub)
	if !ok || subject.username == "" {
		return nil, oauth.InvalidRequest("an id_token can only be issued for a user of this instance")
	}
	now := p.now()
	ttl := p.idTokenTTL(c)
	p.life.NoteLifetime(ttl)
	claims := jwt.MapClaims{}
	maps.Copy(claims, userClaims(u, scopes))
	claims["iss"], claims["sub"], claims["aud"], claims["azp"] = p.deps.Issuer, subject.sub, []string(aud), c.ID
	claims["exp"], claims["iat"] = now.Add(ttl).Unix(), now.Unix()
	// The subject's grant goes along, as it does into an exchanged access
	// token: revoking the grant must reach this ID token when it is
	// exchanged in turn.
	if subject.family != "" {
		claims["sid"] = subject.family
	}
	if act != nil {
		claims["act"] = act
	}
	token, err := p.keys.SignWithType(idTokenType, claims)
	if err != nil {
		return nil, err
	}
	return &oauth.TokenResponse{
		AccessToken: token, TokenType: "N_A", ExpiresIn: int64(ttl / time.Second),
		Scope: oauth.FormatScope(scopes), Extra: map[string]any{"issued_token_type": oauth.TokenTypeIDToken},
	}, nil
}

// exchangeToken is what an exchange learns from a subject or actor token.
type exchangeToken struct {
	sub, issuer string
	username    string // a user of this instance, for the lifecycle
	scopes      []string
	hasScope    bool
	family      string // this instance's grant (sid) the token belongs to
	act         any    // the token's own act claim
	mayAct      any    // the token's may_act claim (RFC 8693 §4.4)
}

// mayAct reports whether actor may act for a subject whose token carries
// the may_act claim claim (RFC 8693 §4.4): no claim allows anyone; a claim
// names the actor's sub, and its iss when it gives one. A may_act the
// server cannot read allows no one.
func mayAct(claim any, actor exchangeToken) bool {
	if claim == nil {
		return true
	}
	m, ok := claim.(map[string]any)
	if !ok {
		return false
	}
	sub, _ := m["sub"].(string)
	if sub == "" || sub != actor.sub {
		return false
	}
	if iss, has := m["iss"]; has {
		s, _ := iss.(string)
		return s == actor.issuer
	}
	return true
}

// readExchangeToken verifies a subject or actor token of the given type:
// an access token, ID token or (either, as) JWT this instance issued, or a
// JWT of a trusted issuer. Every failure is invalid_request (RFC 8693
// §2.2.2), naming the parameter.
func (p *Provider) readExchangeToken(ctx context.Context, token, typ, param string) (exchangeToken, error) {
	switch typ {
	case oauth.TokenTypeAccessToken, oauth.TokenTypeIDToken, oauth.TokenTypeJWT:
	default:
		return exchangeToken{}, oauth.InvalidRequest("%s_type %q is not supported (access_token, id_token or jwt)", param, clipValue(typ))
	}
	iss, err := peekIssuer(token)
	if err != nil {
		return exchangeToken{}, oauth.InvalidRequest("the %s is not a JWT", param).WithCause(err)
	}
	if iss != p.deps.Issuer {
		return p.readTrustedToken(token, typ, param)
	}
	if typ != oauth.TokenTypeIDToken {
		claims, err := p.verifyAccessToken(ctx, token)
		if err == nil {
			return p.ownAccessToken(token, claims, param)
		}
		var oe *oauth.Error
		wrongType := errors.As(err, &oe) && oe.Description == "the token is not an access token"
		if typ == oauth.TokenTypeAccessToken || !wrongType {
			return exchangeToken{}, oauth.InvalidRequest("the %s is not acceptable: %s", param, errorText(err)).WithCause(err)
		}
	}
	return p.ownIDToken(ctx, token, param)
}

// ownAccessToken reads a verified access token of this instance. A token
// of a disabled user is refused: an exchange mints new tokens, which the
// user could no longer get by signing in or refreshing.
func (p *Provider) ownAccessToken(token string, c *accessClaims, param string) (exchangeToken, error) {
	out := exchangeToken{sub: c.Subject, issuer: p.deps.Issuer, scopes: oauth.ParseScope(c.Scope), hasScope: true, family: c.SID}
	if c.Subject != c.ClientID {
		if u, ok := p.dir.UserBySubject(c.Subject); ok {
			if u.Disabled {
				return exchangeToken{}, errExchangeUserGone(param)
			}
			out.username = u.Username
		}
	}
	// The signature is verified; read the delegation chain it carries.
	if mc, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{}); err == nil {
		out.act = mc.Claims.(jwt.MapClaims)["act"]
		out.mayAct = mc.Claims.(jwt.MapClaims)["may_act"]
	}
	return out, nil
}

// errExchangeUserGone refuses a subject or actor token about a user of
// this instance who no longer exists or is disabled.
func errExchangeUserGone(param string) *oauth.Error {
	return oauth.InvalidRequest("the %s's user no longer exists or is disabled", param)
}

// ownIDToken verifies an ID token of this instance; its user must still
// exist and may sign in, and its grant (sid) must not have been revoked.
func (p *Provider) ownIDToken(ctx context.Context, token, param string) (exchangeToken, error) {
	claims := jwt.MapClaims{}
	_, err := p.keys.Verify(token, claims, jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Issuer: p.deps.Issuer, Type: idTokenType})
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return exchangeToken{}, oauth.InvalidRequest("the %s has expired", param).WithCause(err)
	case err != nil:
		return exchangeToken{}, oauth.InvalidRequest("the %s is not a valid ID token of this issuer", param).WithCause(err)
	}
	sub, family := claimString(claims, "sub"), claimString(claims, "sid")
	u, ok := p.dir.UserBySubject(sub)
	if !ok || u.Disabled {
		return exchangeToken{}, errExchangeUserGone(param)
	}
	switch revoked, err := p.life.GrantRevoked(ctx, family); {
	case err != nil:
		return exchangeToken{}, err
	case revoked:
		return exchangeToken{}, oauth.InvalidRequest("the %s has been revoked", param)
	}
	return exchangeToken{sub: sub, issuer: p.deps.Issuer, username: u.Username, family: family, act: claims["act"], mayAct: claims["may_act"]}, nil
}

// readTrustedToken verifies a trusted issuer's JWT. Its sub names a user
// of this instance when one has that subject (so revoking the user reaches
// the exchanged token, and a disabled one is refused); otherwise the sub
// is carried as it is.
func (p *Provider) readTrustedToken(token, typ, param string) (exchangeToken, error) {
	t, err := p.verifyTrusted(token, "")
	switch {
	case errors.Is(err, errUntrusted):
		return exchangeToken{}, oauth.InvalidRequest("the %s's issuer is not trusted", param)
	case errors.Is(err, jwt.ErrTokenExpired):
		return exchangeToken{}, oauth.InvalidRequest("the %s has expired", param).WithCause(err)
	case err != nil:
		return exchangeToken{}, oauth.InvalidRequest("the %s does not verify with its issuer's keys", param).WithCause(err)
	}
	sub := claimString(t.claims, "sub")
	if sub == "" {
		return exchangeToken{}, oauth.InvalidRequest("the %s has no sub", param)
	}
	out := exchangeToken{sub: sub, issuer: t.issuer, act: t.claims["act"], mayAct: t.claims["may_act"]}
	if s, ok := t.claims["scope"].(string); ok && typ != oauth.TokenTypeIDToken {
		out.scopes, out.hasScope = oauth.ParseScope(s), true
	}
	if u, ok := p.dir.UserBySubject(sub); ok {
		if u.Disabled {
			return exchangeToken{}, errExchangeUserGone(param)
		}
		out.username = u.Username
	}
	return out, nil
}

// errorText is an error's client-facing description.
func errorText(err error) string {
	var oe *oauth.Error
	if errors.As(err, &oe) && oe.Description != "" {
		return oe.Description
	}
	return "it does not verify"
}

// clipValue shortens a request value before it goes into a description.
func clipValue(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// checkTokenExchange applies the rules of a client's token_exchange
// permission, with paths relative to the client.
func checkTokenExchange(c fixtures.Client, enabled []string) fixtures.Problems {
	var ps fixtures.Problems
	if c.TokenExchange == nil {
		return ps
	}
	gt := string(oauth.GrantTokenExchange)
	if !slices.Contains(enabled, gt) {
		ps.Add("token_exchange", "the instance does not enable grant type %q", gt)
	}
	if !c.AllowsGrant(gt) {
		ps.Add("token_exchange", "the client's grant_types leave out %q", gt)
	}
	if c.Public {
		ps.Add("token_exchange", "a public client cannot exchange tokens")
	}
	for i, a := range c.TokenExchange.Audiences {
		if a == "" {
			ps.Add(fixtures.Index("token_exchange.audiences", i), "must not be empty")
		}
	}
	return ps
}
