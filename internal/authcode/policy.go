package authcode

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/store"
)

// Policy is what a dialect decides about the flow; everything else is the
// kit's.
type Policy struct {
	// Interactive shows the login and consent page; otherwise /authorize
	// approves at once as login_hint, the client's default user or the
	// first user.
	Interactive bool
	// DecisionURL is the absolute URL the login form posts to.
	DecisionURL string
	// AcceptPOST reads a POSTed form at the authorization endpoint as well
	// as the query (OIDC Core §3.1.2.1).
	AcceptPOST bool
	// OpenID reads OpenID Connect's parameters: nonce (kept in the code's
	// grant), prompt (prompt=none alone; login_required on an interactive
	// instance) and response_mode=query; request objects are refused.
	OpenID bool
	// RequireRedirectURI demands redirect_uri at /authorize. Without it an
	// omitted redirect_uri resolves to the client's only registered one
	// (RFC 6749 §3.1.2.3). The token endpoint demands it back whenever the
	// authorization request sent it (RFC 6749 §4.1.3).
	RequireRedirectURI bool
	// IssuerInRedirect adds iss (the instance's issuer) to every redirect
	// back to the client (RFC 9207).
	IssuerInRedirect bool
	// CodeGrantEnabled says the instance serves authorization_code at all;
	// a client's own grant list is checked as well.
	CodeGrantEnabled bool
	// PKCE is how code_challenge is judged at /authorize.
	PKCE PKCERules
	// Pushed are RFC 9126 pushed authorization requests (ServePush); the
	// zero value turns them off.
	Pushed PushedRules
	// DPoP binds codes to a DPoP key (RFC 9449 §10); the zero value
	// ignores dpop_jkt.
	DPoP DPoPBinding
	// CodeTTL is how long an authorization code stays redeemable.
	CodeTTL time.Duration
	// Scopes parses and checks the scope parameter for a client.
	Scopes func(c fixtures.Client, param string) ([]string, error)
	// Subject names the user in the code's grant (the "sub" of its tokens).
	Subject func(u fixtures.User) string

	// AllowPublic lets clients without a secret use the grants.
	AllowPublic bool
	// VerifyPKCE judges the code_verifier against the code's grant at the
	// token endpoint, in the dialect's words; nil means oauth.VerifyPKCE.
	VerifyPKCE func(g store.Grant, verifier string) error
	// OffersRefresh says whether a redeemed code comes with a refresh
	// token for this client.
	OffersRefresh func(c fixtures.Client) bool
	// Reuse is what a replayed code or a used refresh token does.
	Reuse Reuse
	// RefreshRevokesGrant mirrors the lifecycle's setting of that name: a
	// reused refresh token is revoked as a token (and the lifecycle
	// revokes its grant, counting the family's access tokens); otherwise
	// its grant is revoked by family id.
	RefreshRevokesGrant bool
	// KeepRefreshTokens answers a refresh without retiring the presented
	// token: the new one joins its family (league's
	// revokeRefreshTokens(false)).
	KeepRefreshTokens bool
	// CheckRefresh is the dialect's own condition on a refresh token's
	// grant (oidc: its DPoP key binding, the proof read from ctx). It runs
	// after the client and lifecycle checks and again inside the rotation,
	// so a refused request leaves the token usable. Nil checks nothing.
	CheckRefresh func(ctx context.Context, g store.Grant) error
	// RevokePrevious, with ReuseRefuse, revokes the access token issued
	// with a refresh token that was just used (league's RefreshTokenGrant);
	// it receives the used token's grant. Nil revokes nothing.
	RevokePrevious func(ctx context.Context, used store.Grant) error

	// Word turns a problem into the dialect's error (its code, status and
	// text); detail is the parameter or scope the problem names.
	Word func(p Problem, detail string) error
	// Pages words the pages and the authorization endpoint's own errors.
	Pages Words
	// ExtraPages adds the dialect's own templates (templates/*.html in the
	// FS) beside the kit's layout, login and error pages; nil adds none.
	ExtraPages fs.FS
}

// DPoPBinding is RFC 9449 §10: an authorization request names the key the
// code's token request must prove (dpop_jkt), or a pushed request carries
// a DPoP proof whose key it binds (§10.1).
type DPoPBinding struct {
	// Enabled reads dpop_jkt at /authorize and /par.
	Enabled bool
	// PushedKey verifies the DPoP proof sent with a pushed authorization
	// request and returns its key's thumbprint, "" without a proof.
	PushedKey func(r *http.Request) (string, error)
	// TokenKey is the thumbprint of the key of the token request's checked
	// DPoP proof (read from ctx), "" without one.
	TokenKey func(ctx context.Context) string
}

// PKCERules are a dialect's RFC 7636 rules at the authorization endpoint.
type PKCERules struct {
	// Honour reads code_challenge at all; off, the parameters are ignored
	// (and so is code_verifier, if VerifyPKCE says so).
	Honour bool
	// PublicClients demands a challenge from clients without a secret;
	// a client's RequirePKCE demands one whatever it is.
	PublicClients bool
	// RefusePlain refuses code_challenge_method=plain, sent or implied.
	RefusePlain bool
}

// Reuse is what presenting a spent code or refresh token does.
type Reuse int

const (
	// ReuseRevoke revokes the grant: RFC 6749 §4.1.2 for a replayed code,
	// the Security BCP §4.14.2 for a reused refresh token.
	ReuseRevoke Reuse = iota
	// ReuseRefuse refuses it and revokes nothing, as league/oauth2-server
	// does (isAuthCodeRevoked, isRefreshTokenRevoked); concurrent refreshes
	// of one token are serialised so that a loser is refused before the
	// store can see it as a reuse.
	ReuseRefuse
)

// Problem is a token-endpoint failure the kit finds; Policy.Word says it
// in the dialect's words.
type Problem int

// The problems, with the detail Word receives.
const (
	// MissingParam: a required parameter is absent (detail: its name).
	MissingParam Problem = iota + 1
	// CodeUnknown: no such code.
	CodeUnknown
	// CodeExpired: the code outlived Policy.CodeTTL.
	CodeExpired
	// CodeReplayed: the code was redeemed before.
	CodeReplayed
	// CodeOtherClient: the code was issued to another client.
	CodeOtherClient
	// RedirectURIMissing: the authorization request sent redirect_uri and
	// the token request does not.
	RedirectURIMissing
	// RedirectURIMismatch: the token request's redirect_uri differs.
	RedirectURIMismatch
	// CodeUserGone: the code's user was deleted or disabled after signing
	// in.
	CodeUserGone
	// CodeRevoked: the code's user, client or grant was revoked (the
	// admin API) after it was issued.
	CodeRevoked
	// CodeDPoPKey: the code is bound to a DPoP key (dpop_jkt) and the
	// token request proves none (detail "") or another (detail "other").
	CodeDPoPKey
	// RefreshUnknown: no such refresh token.
	RefreshUnknown
	// RefreshExpired: the refresh token expired.
	RefreshExpired
	// RefreshRevoked: the refresh token or its grant was revoked.
	RefreshRevoked
	// RefreshReused: the refresh token was already rotated away.
	RefreshReused
	// RefreshOtherClient: the refresh token was issued to another client.
	RefreshOtherClient
	// RefreshUserGone: the grant's user was deleted or disabled.
	RefreshUserGone
	// ScopeNotGranted: a refresh asks for a scope the grant does not hold
	// (detail: the scope).
	ScopeNotGranted
)

// Words are a dialect's texts for its pages and for the authorization
// endpoint's errors that only it words differently.
type Words struct {
	// Noun is what the dialect calls a client on its pages ("client",
	// "application").
	Noun string
	// Malformed words a request whose parameters cannot be read at all
	// (ErrBadEncoding, a duplicate parameter, an unreadable form body).
	Malformed func(err error) (title, message string)
	// Implicit, when set, is the description of unsupported_response_type
	// for response_type=token.
	Implicit string
	// PageNote is the error page's explanation under the message.
	PageNote string
	// Consent is the login page's "asks for access to" line: Asks follows
	// those words; Always are listed before the scopes; Fallback stands for
	// an empty scope list.
	Asks     string
	Always   []string
	Fallback string
}

func (b DPoPBinding) tokenKey(ctx context.Context) string {
	if b.TokenKey == nil {
		return ""
	}
	return b.TokenKey(ctx)
}
