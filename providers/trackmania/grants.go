package trackmania

import (
	"context"
	"regexp"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// verifyPKCE judges code_verifier when PKCE is on; off, like the real
// API, it ignores code_verifier.
func (p *Provider) verifyPKCE(gr store.Grant, verifier string) error {
	if !p.cfg.PKCE {
		return nil
	}
	return leaguePKCE(gr, verifier)
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
