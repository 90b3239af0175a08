package authcode

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"sync"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// Tokens mints a dialect's tokens; the kit decides when and for which
// grant.
type Tokens interface {
	// Prepare stamps the access token a refresh will issue, before the
	// rotation stores the successor refresh token with that stamp
	// (lifecycle.NewAccess with the client's access-token lifetime). The
	// kit discards the stamp when the refresh fails.
	Prepare(g store.Grant, c fixtures.Client) (Access, error)
	// Issue mints the tokens of a grant and writes what they need.
	Issue(ctx context.Context, is Issue) (*oauth.TokenResponse, error)
	// RefreshTTL is a client's refresh-token lifetime; zero never expires.
	RefreshTTL(c fixtures.Client) time.Duration
}

// Access is an access token stamped before a rotation.
type Access struct {
	// Facts are the lifecycle's stamp of the token.
	Facts lifecycle.Facts
	// JTI is the dialect's jti when it is not Facts.JTI.
	JTI string
	// Extra joins the successor refresh token's Grant.Extra (league links
	// a refresh token to its access token).
	Extra map[string]string
}

// Issue says which tokens to mint.
type Issue struct {
	// Request is the token request being answered (its client, form and
	// HTTP request), for what a dialect reads beyond the kit's parameters.
	Request *oauth.TokenRequest
	Grant   store.Grant
	Client  fixtures.Client
	// Scopes are the access token's when a refresh narrows them; nil means
	// the grant's.
	Scopes []string
	// Refresh starts a refresh token: a new family, or, for a grant that
	// has one already (Grant.Seq set), a token that joins it.
	Refresh bool
	// RefreshToken is the successor the rotation stored, expiring at
	// RefreshExpiresAt (zero: never), and Access the access token stamped
	// for it.
	RefreshToken     string
	RefreshExpiresAt time.Time
	Access           *Access
}

// Deps are what the flow uses of its instance.
type Deps struct {
	provider.Deps
	Dir  *directory.Directory
	Life *lifecycle.Lifecycle
	// Clients authenticates clients at the pushed authorization request
	// endpoint (RFC 9126 §2, with every method the token endpoint
	// accepts: RFC 7523 assertions too); nil means Dir.
	Clients oauth.ClientSource
}

// Flow is one instance's authorization-code flow.
type Flow struct {
	deps   Deps
	pol    Policy
	tokens Tokens
	log    *slog.Logger
	pages  *template.Template
	pushed store.Pending[Request]
	// refreshMu makes a ReuseRefuse refresh's lookup and rotation one step.
	refreshMu sync.Mutex
}

// New builds a flow. It fails when the policy lacks a required function
// or a template does not parse.
func New(deps Deps, pol Policy, tokens Tokens) (*Flow, error) {
	if pol.Scopes == nil || pol.Subject == nil || pol.Word == nil || pol.OffersRefresh == nil || pol.Pages.Malformed == nil || tokens == nil {
		return nil, errors.New("authcode: the policy needs Scopes, Subject, Word, OffersRefresh, Pages.Malformed and the tokens")
	}
	if pol.VerifyPKCE == nil {
		pol.VerifyPKCE = func(g store.Grant, verifier string) error {
			return oauth.VerifyPKCE(g.CodeChallenge, g.CodeChallengeMethod, verifier)
		}
	}
	pages, err := parsePages(pol.ExtraPages)
	if err != nil {
		return nil, err
	}
	return &Flow{deps: deps, pol: pol, tokens: tokens, log: deps.Logger, pages: pages, pushed: newPushed(pol.Pushed.TTL)}, nil
}

// now is the instance's time in whole seconds, as tokens carry it.
func (f *Flow) now() time.Time { return f.deps.Clock.Now().Truncate(time.Second) }
