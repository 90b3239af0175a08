package trackmania

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
)

// resource wraps a resource route: its errors are rendered as RFC 6750
// asks (401 with WWW-Authenticate: Bearer error="invalid_token", 403
// insufficient_scope, 400 invalid_request), the real API's own error
// bodies being undocumented.
func (p *Provider) resource(fn oauth.HandlerFunc) http.Handler {
	return oauth.Handle(p.log, p.bearer, fn)
}

// authenticate returns what the request's bearer token grants, and its
// user (the zero User for a client-credentials token). A user's token dies
// with the user: removed or disabled since, it is invalid.
func (p *Provider) authenticate(r *http.Request) (access, fixtures.User, error) {
	token, err := oauth.RequireBearer(r, p.deps.Issuer)
	if err != nil {
		return access{}, fixtures.User{}, err
	}
	a, err := p.verifyAccess(r.Context(), token)
	if err != nil || a.Subject == "" {
		return a, fixtures.User{}, err
	}
	u, ok := p.dir.UserBySubject(a.Subject)
	if !ok || u.Disabled {
		return access{}, fixtures.User{}, oauth.InvalidToken("the token's user no longer exists or is disabled")
	}
	return a, u, nil
}

// authenticateUser is authenticate for routes about the signed-in user:
// the token must carry a user (not client credentials, which "will not be
// associated with a user") and every scope in scopes.
func (p *Provider) authenticateUser(r *http.Request, scopes ...string) (fixtures.User, error) {
	a, user, err := p.authenticate(r)
	if err != nil {
		return fixtures.User{}, err
	}
	if a.Subject == "" {
		return fixtures.User{}, p.insufficientScope("this endpoint needs a user's token; a client-credentials token has no user", "")
	}
	for _, s := range scopes {
		if !slices.Contains(a.Scopes, s) {
			return fixtures.User{}, p.insufficientScope(fmt.Sprintf("the access token lacks the %s scope", s), s)
		}
	}
	return user, nil
}

// insufficientScope is RFC 6750 §3.1's 403, naming the scope needed in the
// challenge when there is one.
func (p *Provider) insufficientScope(desc, scope string) error {
	return oauth.NeedScope(p.deps.Issuer, scope, desc)
}
