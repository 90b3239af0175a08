package authcode

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// PageError is an authorization failure that must not be redirected,
// because the client or redirect URI cannot be trusted (RFC 6749
// §4.1.2.1).
type PageError struct {
	Status  int
	Message string
}

// ServeAuthorize is the authorization endpoint (RFC 6749 §4.1.1, OIDC Core
// §3.1.2). Problems with client_id or redirect_uri are shown on a page;
// every other problem is redirected back to the client with state.
func (f *Flow) ServeAuthorize(w http.ResponseWriter, r *http.Request) {
	params, err := Params(r, f.pol.AcceptPOST, f.deps.MaxBody)
	if err != nil {
		title, msg := f.pol.Pages.Malformed(err)
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: title, Message: msg})
		return
	}
	if f.isPushed(params) {
		f.authorizePushed(w, r, params)
		return
	}
	req, client, perr, redirectErr := f.Parse(r.Context(), params)
	if perr != nil {
		f.RenderPage(w, perr.Status, "error", ErrorPage{Title: "Cannot continue", Message: perr.Message})
		return
	}
	if f.requiresPushed(client) {
		// RFC 9126 §5: only a pushed request is accepted.
		redirectErr = oauth.InvalidRequest("the %s must push its authorization requests (RFC 9126)", f.pol.Pages.Noun)
	}
	if redirectErr != nil {
		f.redirectError(w, r, req, redirectErr)
		return
	}
	f.proceed(w, r, req, client)
}

// proceed answers a valid request: the login page, or approval at once.
func (f *Flow) proceed(w http.ResponseWriter, r *http.Request, req *Request, client fixtures.Client) {
	if f.pol.Interactive {
		// OIDC Core §3.1.2.1: prompt=none must not show a page.
		if slices.Contains(req.Prompt, "none") {
			f.redirectError(w, r, req, &oauth.Error{Code: oauth.CodeLoginRequired, Description: "prompt=none, but the user must sign in"})
			return
		}
		f.showLogin(w, r, req, client)
		return
	}
	user, err := f.approvingUser(client, req.LoginHint)
	if err != nil {
		f.redirectError(w, r, req, err)
		return
	}
	f.approve(w, r, req, user)
}

// Parse validates an authorization request. It returns a PageError while
// the client or redirect URI is untrusted, then an error to redirect with
// the request so far.
func (f *Flow) Parse(ctx context.Context, q url.Values) (*Request, fixtures.Client, *PageError, error) {
	noun := f.pol.Pages.Noun
	clientID, sent := q.Get("client_id"), q.Get("redirect_uri")
	if clientID == "" {
		return nil, fixtures.Client{}, &PageError{http.StatusBadRequest, "The request has no client_id."}, nil
	}
	client, ok := f.deps.Dir.LookupClient(ctx, clientID)
	if !ok {
		return nil, fixtures.Client{}, &PageError{http.StatusBadRequest, "Unknown client_id."}, nil
	}
	redirectURI, ok := sent, oauth.MatchRedirectURI(client.RedirectURIs, sent)
	if !f.pol.RequireRedirectURI {
		redirectURI, ok = oauth.ResolveRedirectURI(client.RedirectURIs, sent)
	}
	switch {
	case sent == "" && f.pol.RequireRedirectURI:
		return nil, client, &PageError{http.StatusBadRequest, "The request has no redirect_uri."}, nil
	case sent == "" && !ok:
		return nil, client, &PageError{http.StatusBadRequest, "The request has no redirect_uri and the " + noun + " has not registered exactly one."}, nil
	case !ok:
		return nil, client, &PageError{http.StatusBadRequest, "The redirect_uri is not registered for this " + noun + "."}, nil
	}
	req := &Request{
		ClientID:        client.ID,
		RedirectURI:     redirectURI,
		RedirectURISent: sent,
		State:           q.Get("state"),
		LoginHint:       q.Get("login_hint"),
	}
	if f.pol.OpenID {
		req.Nonce, req.Prompt = q.Get("nonce"), oauth.ParseScope(q.Get("prompt"))
	}
	// From here on the client can be told what went wrong.
	if err := f.checkRequest(q, req, client); err != nil {
		return req, client, nil, err
	}
	scopes, err := f.pol.Scopes(client, q.Get("scope"))
	if err != nil {
		return req, client, nil, err
	}
	req.Scopes = scopes
	if f.pol.DPoP.Enabled && q.Has("dpop_jkt") {
		if req.DPoPJKT = q.Get("dpop_jkt"); !isThumbprint(req.DPoPJKT) {
			return req, client, nil, oauth.InvalidRequest("dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §10)")
		}
	}
	if !f.pol.PKCE.Honour {
		return req, client, nil, nil
	}
	if req.CodeChallengeMethod, err = oauth.CheckPKCERequest(q.Get("code_challenge"), q.Get("code_challenge_method"), client.RequirePKCE || client.Public && f.pol.PKCE.PublicClients); err != nil {
		return req, client, nil, err
	}
	// Judged on the resolved method: an omitted one means plain (RFC 7636
	// §4.3), which must not slip past a policy that refuses it.
	if req.CodeChallengeMethod == oauth.PKCEPlain && f.pol.PKCE.RefusePlain {
		return req, client, nil, oauth.InvalidRequest("code_challenge_method=plain is not allowed; use S256")
	}
	req.CodeChallenge = q.Get("code_challenge")
	return req, client, nil, nil
}

// checkRequest judges response_type, OpenID Connect's parameters and the
// client's right to the grant.
func (f *Flow) checkRequest(q url.Values, req *Request, client fixtures.Client) error {
	rt := q.Get("response_type")
	switch {
	case rt == "":
		return oauth.InvalidRequest("response_type is required")
	case rt == oauth.ResponseTypeToken && f.pol.Pages.Implicit != "":
		return oauth.UnsupportedResponseType("%s", f.pol.Pages.Implicit)
	case rt != oauth.ResponseTypeCode:
		return oauth.UnsupportedResponseType("only response_type=code is supported")
	}
	if f.pol.OpenID {
		switch {
		case q.Get("response_mode") != "" && q.Get("response_mode") != "query":
			return oauth.InvalidRequest("only response_mode=query is supported")
		case q.Has("request"):
			return &oauth.Error{Code: "request_not_supported", Description: "request objects are not supported"}
		case q.Has("request_uri"):
			return &oauth.Error{Code: "request_uri_not_supported", Description: "request_uri is not supported"}
		}
	}
	if !client.AllowsGrant(string(oauth.GrantAuthorizationCode)) || !f.pol.CodeGrantEnabled {
		return oauth.UnauthorizedClient("the %s may not use the authorization code grant", f.pol.Pages.Noun)
	}
	if slices.Contains(req.Prompt, "none") && len(req.Prompt) > 1 {
		return oauth.InvalidRequest("prompt=none cannot be combined with other values")
	}
	return nil
}

// approvingUser picks the user a non-interactive authorization approves
// as: login_hint (a username or a subject), else the client's default
// user, else the first user.
func (f *Flow) approvingUser(client fixtures.Client, hint string) (fixtures.User, error) {
	name := hint
	if name == "" {
		name = client.DefaultUser
	}
	if name == "" {
		users := f.deps.Dir.Users()
		if len(users) == 0 {
			return fixtures.User{}, oauth.AccessDenied("no user is configured to approve the request")
		}
		name = users[0].Username
	}
	u, ok := f.deps.Dir.User(name)
	if !ok {
		if u, ok = f.deps.Dir.UserBySubject(name); !ok {
			return fixtures.User{}, oauth.AccessDenied("login_hint names no known user")
		}
	}
	if u.Disabled {
		return fixtures.User{}, oauth.AccessDenied("the user is disabled")
	}
	return u, nil
}

// approve issues a code for user and redirects back to the client.
func (f *Flow) approve(w http.ResponseWriter, r *http.Request, req *Request, user fixtures.User) {
	code, err := f.issueCode(r.Context(), req, user)
	if err != nil {
		f.log.ErrorContext(r.Context(), "issuing an authorization code failed", "error", err)
		f.redirectError(w, r, req, &oauth.Error{Code: oauth.CodeServerError, Description: "the server failed to issue a code"})
		return
	}
	params := f.redirectExtra()
	if params == nil {
		params = url.Values{}
	}
	params.Set("code", code)
	if req.State != "" {
		params.Set("state", req.State)
	}
	http.Redirect(w, r, oauth.AppendQuery(req.RedirectURI, params), http.StatusFound)
}

// issueCode stores a single-use code for the request, approved by user.
func (f *Flow) issueCode(ctx context.Context, req *Request, user fixtures.User) (string, error) {
	code, err := f.deps.RandomToken()
	if err != nil {
		return "", err
	}
	family, err := f.deps.RandomHex(16)
	if err != nil {
		return "", err
	}
	now := f.now()
	grant := store.Grant{
		FamilyID:            family,
		ClientID:            req.ClientID,
		Subject:             f.pol.Subject(user),
		Username:            user.Username,
		Scopes:              req.Scopes,
		AuthTime:            now,
		RedirectURI:         req.RedirectURISent,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
		Nonce:               req.Nonce,
		// Revoking the user, client or grant before redemption reaches the
		// code (CodeGrant.Redeem).
		Seq: f.deps.Life.StampApproval(),
	}
	if req.DPoPJKT != "" {
		grant.Extra = map[string]string{ExtraCodeDPoPKey: req.DPoPJKT}
	}
	return code, f.deps.Store.PutCode(ctx, code, grant, now.Add(f.pol.CodeTTL))
}

// ExtraCodeDPoPKey is the code grant's Extra entry holding its dpop_jkt;
// the code grant takes it out before issuing.
const ExtraCodeDPoPKey = "code_dpop_jkt"

// isThumbprint reports whether s looks like a base64url (unpadded) SHA-256
// JWK thumbprint (RFC 7638): 43 characters.
func isThumbprint(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, c := range []byte(s) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// redirectExtra is what every redirect to the client carries beside its
// answer: RFC 9207's iss when the policy says so.
func (f *Flow) redirectExtra() url.Values {
	if !f.pol.IssuerInRedirect {
		return nil
	}
	return url.Values{"iss": {f.deps.Issuer}}
}

// redirectError sends an error back to the client.
func (f *Flow) redirectError(w http.ResponseWriter, r *http.Request, req *Request, err error) {
	oauth.RedirectError(w, r, req.RedirectURI, req.State, err, f.redirectExtra())
}
