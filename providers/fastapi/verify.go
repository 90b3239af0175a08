package fastapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// unauthorized is fastapi-users' answer for every authentication failure
// on a protected route: no WWW-Authenticate header, since it builds
// OAuth2PasswordBearer with auto_error=False and raises a bare 401.
func unauthorized(cause error) *oauth.Error {
	return httpError(http.StatusUnauthorized, detailUnauthorized).WithCause(cause)
}

// authenticate checks the request's bearer access token and returns its
// user (active) and session: the signature, audience and expiry of a JWT,
// then the session the token was issued with, what the lifecycle says of
// it (revoked and expired both give fastapi-users' 401, as an expired JWT
// does) and the user.
func (p *Provider) authenticate(ctx context.Context, r *http.Request) (fixtures.User, session, string, error) {
	token, ok := httpx.BearerToken(r)
	if !ok {
		return fixtures.User{}, session{}, "", unauthorized(nil)
	}
	if p.keys != nil {
		var claims accessClaims
		opts := jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Audience: []string{audienceAccess}}
		if _, err := p.keys.Verify(token, &claims, opts); err != nil {
			return fixtures.User{}, session{}, "", unauthorized(err)
		}
	}
	s, found, err := p.lookupSession(ctx, token)
	if err != nil {
		return fixtures.User{}, session{}, "", err
	}
	if !found || p.now().Unix() >= s.ExpiresAt {
		return fixtures.User{}, session{}, "", unauthorized(nil)
	}
	status, err := p.life.Check(ctx, s.facts())
	if err != nil {
		return fixtures.User{}, session{}, "", err
	}
	if status != lifecycle.Live {
		return fixtures.User{}, session{}, "", unauthorized(fmt.Errorf("access token %s", status))
	}
	u, ok := p.dir.UserBySubject(s.Subject)
	if !ok || u.Disabled {
		return fixtures.User{}, session{}, "", unauthorized(nil)
	}
	return u, s, token, nil
}
