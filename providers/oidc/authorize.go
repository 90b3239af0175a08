package oidc

import (
	"context"
	"errors"
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
	RedirectURI         string   `json:"redirect_uri"`      // where to send the response
	RedirectURISent     string   `json:"redirect_uri_sent"` // as sent; "" when omitted
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
	LoginHint           string   `json:"login_hint,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
}

// pageError is an authorization failure that must not be redirected,
// because the client or redirect URI cannot be trusted (RFC 6749 §4.1.2.1).
type pageError struct {
	status  int
	message string
}

// serveAuthorize is the authorization endpoint (RFC 6749 §4.1.1, OIDC Core
// §3.1.2). Problems with client_id or redirect_uri are shown on a page;
// every other problem is redirected back to the client with state.
func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	params, err := authorizeParams(r, p.deps.MaxBody)
	if err != nil {
		p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Invalid request", Message: err.Error()})
		return
	}
	req, client, perr, redirectErr := p.parseAuthorize(r.Context(), params)
	if perr != nil {
		p.renderPage(w, perr.status, "error", errorPage{Title: "Cannot continue", Message: perr.message})
		return
	}
	if redirectErr != nil {
		p.redirectError(w, r, req, redirectErr)
		return
	}
	if p.cfg.Interactive {
		if slices.Contains(req.Prompt, "none") {
			p.redirectError(w, r, req, &oauth.Error{Code: oauth.CodeLoginRequired, Description: "prompt=none, but the user must sign in"})
			return
		}
		p.showLogin(w, r, req, client, "")
		return
	}
	user, err := p.approvingUser(client, req.LoginHint)
	if err != nil {
		p.redirectError(w, r, req, err)
		return
	}
	p.approve(w, r, req, user)
}

// authorizeParams reads the request's parameters: the query for GET, the
// form body for POST (OIDC Core §3.1.2.1). A parameter may appear once.
func authorizeParams(r *http.Request, limit int64) (url.Values, error) {
	var params url.Values
	if r.Method == http.MethodPost {
		form, err := httpx.ReadForm(r, limit)
		if err != nil {
			return nil, err
		}
		params = form
	} else {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, errors.New("the query string is not valid URL encoding")
		}
		params = q
	}
	if err := httpx.RejectDuplicates(params); err != nil {
		return nil, err
	}
	return params, nil
}

// parseAuthorize validates an authorization request. It returns a pageError
// while the client or redirect URI is untrusted, then an error to redirect.
func (p *Provider) parseAuthorize(ctx context.Context, q url.Values) (*authRequest, fixtures.Client, *pageError, error) {
	clientID := q.Get("client_id")
	if clientID == "" {
		return nil, fixtures.Client{}, &pageError{http.StatusBadRequest, "The request has no client_id."}, nil
	}
	client, ok := p.dir.LookupClient(ctx, clientID)
	if !ok {
		return nil, fixtures.Client{}, &pageError{http.StatusBadRequest, "Unknown client_id."}, nil
	}
	redirectURI, ok := oauth.ResolveRedirectURI(client.RedirectURIs, q.Get("redirect_uri"))
	if !ok {
		msg := "The redirect_uri is not registered for this client."
		if q.Get("redirect_uri") == "" {
			msg = "The request has no redirect_uri and the client has not registered exactly one."
		}
		return nil, client, &pageError{http.StatusBadRequest, msg}, nil
	}
	req := &authRequest{
		ClientID:        client.ID,
		RedirectURI:     redirectURI,
		RedirectURISent: q.Get("redirect_uri"),
		State:           q.Get("state"),
		Nonce:           q.Get("nonce"),
		LoginHint:       q.Get("login_hint"),
		Prompt:          oauth.ParseScope(q.Get("prompt")),
	}
	// From here on the client can be told what went wrong.
	switch {
	case q.Get("response_type") == "":
		return req, client, nil, oauth.InvalidRequest("response_type is required")
	case q.Get("response_type") != oauth.ResponseTypeCode:
		return req, client, nil, oauth.UnsupportedResponseType("only response_type=code is supported")
	case q.Get("response_mode") != "" && q.Get("response_mode") != "query":
		return req, client, nil, oauth.InvalidRequest("only response_mode=query is supported")
	case q.Has("request"):
		return req, client, nil, &oauth.Error{Code: "request_not_supported", Description: "request objects are not supported"}
	case q.Has("request_uri"):
		return req, client, nil, &oauth.Error{Code: "request_uri_not_supported", Description: "request_uri is not supported"}
	case !client.AllowsGrant(string(oauth.GrantAuthorizationCode)) || !slices.Contains(p.cfg.GrantTypes, string(oauth.GrantAuthorizationCode)):
		return req, client, nil, oauth.UnauthorizedClient("the client may not use the authorization code grant")
	case slices.Contains(req.Prompt, "none") && len(req.Prompt) > 1:
		return req, client, nil, oauth.InvalidRequest("prompt=none cannot be combined with other values")
	}
	scopes, err := p.grantScopes(client, q.Get("scope"))
	if err != nil {
		return req, client, nil, err
	}
	req.Scopes = scopes
	if req.CodeChallengeMethod, err = oauth.CheckPKCERequest(q.Get("code_challenge"), q.Get("code_challenge_method"), client.Public || client.RequirePKCE); err != nil {
		return req, client, nil, err
	}
	// Judged on the resolved method: an omitted one means plain (RFC 7636
	// §4.3), which must not slip past a configuration that disallows it.
	if req.CodeChallengeMethod == oauth.PKCEPlain && !p.cfg.AllowPlainPKCE {
		return req, client, nil, oauth.InvalidRequest("code_challenge_method=plain is not allowed; use S256")
	}
	req.CodeChallenge = q.Get("code_challenge")
	return req, client, nil, nil
}

// approvingUser picks the user a non-interactive authorization approves as:
// the one named by login_hint, else the client's default user, else the
// first configured user.
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
		return users[0], nil
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

// approve issues a code for user and redirects back to the client.
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, req *authRequest, user fixtures.User) {
	code, err := p.issueCode(r.Context(), req, user)
	if err != nil {
		p.log.ErrorContext(r.Context(), "issuing an authorization code failed", "error", err)
		p.redirectError(w, r, req, &oauth.Error{Code: oauth.CodeServerError, Description: "the server failed to issue a code"})
		return
	}
	params := url.Values{"code": {code}, "iss": {p.deps.Issuer}}
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
		Subject:             user.SubjectOrUsername(),
		Username:            user.Username,
		Scopes:              req.Scopes,
		AuthTime:            now,
		RedirectURI:         req.RedirectURISent,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
		Nonce:               req.Nonce,
	}
	return code, p.deps.Store.PutCode(ctx, code, grant, now.Add(p.cfg.CodeTTL.D()))
}

// redirectError sends an error back to the client, with RFC 9207's iss.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req *authRequest, err error) {
	oauth.RedirectError(w, r, req.RedirectURI, req.State, err, url.Values{"iss": {p.deps.Issuer}})
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
