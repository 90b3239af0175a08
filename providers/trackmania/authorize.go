package trackmania

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// authRequest is a validated authorization request, kept server-side while
// the interactive page waits for the user.
type authRequest struct {
	ClientID            string   `json:"client_id"`
	RedirectURI         string   `json:"redirect_uri"`
	Scopes              []string `json:"scopes,omitempty"`
	State               string   `json:"state,omitempty"`
	LoginHint           string   `json:"login_hint,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
}

// pageError is a failure that must not be redirected, because the client
// or the redirect URI cannot be trusted (RFC 6749 §4.1.2.1).
type pageError struct {
	status  int
	message string
}

// serveAuthorize is GET /oauth/authorize. Problems with client_id or
// redirect_uri are shown on a page; every other problem is redirected back
// with error and state.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	req, client, perr, redirectErr := p.parseAuthorize(r.Context(), r.URL.RawQuery)
	if perr != nil {
		p.renderPage(w, perr.status, "error", errorPage{Title: "Cannot continue", Message: perr.message})
		return
	}
	if redirectErr != nil {
		p.redirectError(w, r, req, redirectErr)
		return
	}
	if p.cfg.Interactive {
		p.showLogin(w, r, req, client)
		return
	}
	user, err := p.approvingUser(client, req.LoginHint)
	if err != nil {
		p.redirectError(w, r, req, err)
		return
	}
	p.approve(w, r, req, user)
}

// parseAuthorize validates an authorization request's query. It returns a
// pageError while the client or redirect URI is untrusted, then an error
// to redirect.
func (p *Provider) parseAuthorize(ctx context.Context, rawQuery string) (*authRequest, fixtures.Client, *pageError, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fixtures.Client{}, &pageError{http.StatusBadRequest, "The query string is not valid URL encoding."}, nil
	}
	// RFC 6749 §3.1: parameters must not be repeated; which of two
	// client_ids or redirect_uris to trust cannot be decided.
	if err := httpx.RejectDuplicates(q); err != nil {
		return nil, fixtures.Client{}, &pageError{http.StatusBadRequest, "The request is malformed: " + err.Error() + "."}, nil
	}
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	if clientID == "" {
		return nil, fixtures.Client{}, &pageError{http.StatusBadRequest, "The request has no client_id."}, nil
	}
	client, ok := p.dir.LookupClient(ctx, clientID)
	if !ok {
		return nil, fixtures.Client{}, &pageError{http.StatusBadRequest, "Unknown client_id."}, nil
	}
	switch {
	case redirectURI == "":
		return nil, client, &pageError{http.StatusBadRequest, "The request has no redirect_uri."}, nil
	case !oauth.MatchRedirectURI(client.RedirectURIs, redirectURI):
		return nil, client, &pageError{http.StatusBadRequest, "The redirect_uri is not registered for this application."}, nil
	}
	req := &authRequest{ClientID: client.ID, RedirectURI: redirectURI, State: q.Get("state"), LoginHint: q.Get("login_hint")}
	// From here on the client can be told what went wrong. prompt is
	// accepted and ignored, as the real server is assumed to.
	switch rt := q.Get("response_type"); {
	case rt == "":
		return req, client, nil, oauth.InvalidRequest("response_type is required")
	case rt == oauth.ResponseTypeToken:
		return req, client, nil, oauth.UnsupportedResponseType("the implicit grant is not available; use response_type=code")
	case rt != oauth.ResponseTypeCode:
		return req, client, nil, oauth.UnsupportedResponseType("only response_type=code is supported")
	case !client.AllowsGrant(string(oauth.GrantAuthorizationCode)):
		return req, client, nil, oauth.UnauthorizedClient("the application may not use the authorization code grant")
	}
	scopes, err := checkScopes(client, q.Get("scope"))
	if err != nil {
		return req, client, nil, err
	}
	req.Scopes = scopes
	if p.cfg.PKCE {
		method, err := oauth.CheckPKCERequest(q.Get("code_challenge"), q.Get("code_challenge_method"), client.RequirePKCE)
		if err != nil {
			return req, client, nil, err
		}
		req.CodeChallenge, req.CodeChallengeMethod = q.Get("code_challenge"), method
	}
	return req, client, nil, nil
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

// approvingUser picks the user a non-interactive authorization approves
// as: login_hint (a username or an accountId), else the client's default
// user, else the first user.
func (p *Provider) approvingUser(client fixtures.Client, hint string) (fixtures.User, error) {
	name := hint
	if name == "" {
		name = client.DefaultUser
	}
	if name == "" {
		users := p.dir.Users()
		if len(users) == 0 {
			return fixtures.User{}, oauth.AccessDenied("no user is configured to approve the request")
		}
		name = users[0].Username
	}
	u, ok := p.dir.User(name)
	if !ok {
		if u, ok = p.dir.UserBySubject(name); !ok {
			return fixtures.User{}, oauth.AccessDenied("login_hint names no known user")
		}
	}
	if u.Disabled {
		return fixtures.User{}, oauth.AccessDenied("the user is disabled")
	}
	return u, nil
}

// approve issues a code for user and redirects back with code and state.
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, req *authRequest, user fixtures.User) {
	code, err := p.issueCode(r.Context(), req, user)
	if err != nil {
		p.log.ErrorContext(r.Context(), "issuing an authorization code failed", "error", err)
		p.redirectError(w, r, req, oauth.ServerError(err))
		return
	}
	params := url.Values{"code": {code}}
	if req.State != "" {
		params.Set("state", req.State)
	}
	http.Redirect(w, r, oauth.AppendQuery(req.RedirectURI, params), http.StatusFound)
}

func (p *Provider) issueCode(ctx context.Context, req *authRequest, user fixtures.User) (string, error) {
	code, err := p.deps.RandomToken()
	if err != nil {
		return "", err
	}
	family, err := p.deps.RandomHex(16)
	if err != nil {
		return "", err
	}
	now := p.now()
	grant := store.Grant{
		FamilyID:            family,
		ClientID:            req.ClientID,
		Subject:             user.Subject,
		Username:            user.Username,
		Scopes:              req.Scopes,
		AuthTime:            now,
		RedirectURI:         req.RedirectURI,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
	}
	return code, p.deps.Store.PutCode(ctx, code, grant, now.Add(p.cfg.CodeTTL.D()))
}

// redirectError sends an error back to the client; Trackmania adds no iss.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, err error) {
	oauth.RedirectError(w, r, req.RedirectURI, req.State, err, nil)
}

// pendingLogins are the requests login pages are answering.
var pendingLogins = store.Pending[authRequest]{Prefix: "pending:", TTL: 10 * time.Minute}

// savePending stores the request under a random single-use id, the only
// thing the page carries.
func (p *Provider) savePending(ctx context.Context, req *authRequest) (string, error) {
	id, err := p.deps.RandomToken()
	if err != nil {
		return "", err
	}
	return id, pendingLogins.Save(ctx, p.deps.Store, id, *req, p.now())
}

func (p *Provider) loadPending(ctx context.Context, id string) (*authRequest, error) {
	req, err := pendingLogins.Load(ctx, p.deps.Store, id)
	return &req, err
}

// takePending reports whether this call answered the pending request, so a
// double submit cannot mint two codes.
func (p *Provider) takePending(ctx context.Context, id string) bool {
	return pendingLogins.Take(ctx, p.deps.Store, id)
}
