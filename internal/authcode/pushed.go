package authcode

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// PushedPrefix begins every request_uri the kit hands out (RFC 9126 §2.2).
const PushedPrefix = "urn:ietf:params:oauth:request_uri:"

// CodeInvalidRequestURI is the error for a request_uri that is unknown,
// expired, used, or another client's (RFC 9126 §4, RFC 9101 §7).
const CodeInvalidRequestURI oauth.ErrorCode = "invalid_request_uri"

// PushedRules are RFC 9126 pushed authorization requests.
type PushedRules struct {
	// TTL is how long a pushed request waits for /authorize (its
	// expires_in); zero turns pushed requests off.
	TTL time.Duration
	// Required says whether a client may use /authorize only with a
	// pushed request (RFC 9126 §5, §6): the instance's setting or the
	// client's. Nil requires it of no client.
	Required func(c fixtures.Client) bool
}

// pushResponse is RFC 9126 §2.2's success body.
type pushResponse struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// ServePush is the pushed authorization request endpoint (RFC 9126 §2): a
// client-authenticated POST of an authorization request, validated as
// /authorize would validate it, answered 201 with a single-use request_uri.
// Its errors are the token endpoint's (RFC 9126 §2.3); the dialect renders
// them (oauth.Handle).
func (f *Flow) ServePush(w http.ResponseWriter, r *http.Request) error {
	var clients oauth.ClientSource = f.deps.Dir
	if f.deps.Clients != nil {
		clients = f.deps.Clients
	}
	form, client, err := oauth.ReadClientRequest(w, r, clients, f.deps.MaxBody, "the pushed authorization request endpoint")
	if err != nil {
		return err
	}
	if form.Has("request_uri") {
		// RFC 9126 §2.1: a pushed request cannot name another one.
		return oauth.InvalidRequest("request_uri must not be sent to the pushed authorization request endpoint")
	}
	// client authentication compared a client_id sent beside Basic
	// credentials already; the request is the authenticated client's.
	form.Set("client_id", client.Client.ID)
	req, _, perr, err := f.Parse(r.Context(), form)
	switch {
	case perr != nil:
		return oauth.InvalidRequest("%s", sentence(perr.Message))
	case err != nil:
		return err
	}
	// RFC 9449 §10.1: a DPoP proof sent with the pushed request binds the
	// code to its key, as dpop_jkt does; both must name the same key.
	if f.pol.DPoP.Enabled && f.pol.DPoP.PushedKey != nil {
		jkt, err := f.pol.DPoP.PushedKey(r)
		switch {
		case err != nil:
			return err
		case jkt != "" && req.DPoPJKT != "" && jkt != req.DPoPJKT:
			return oauth.InvalidRequest("dpop_jkt does not match the key of the DPoP proof (RFC 9449 §10.1)")
		case jkt != "":
			req.DPoPJKT = jkt
		}
	}
	id, err := f.deps.RandomToken()
	if err != nil {
		return err
	}
	if err := f.pushed.Save(r.Context(), f.deps.Store, id, *req, f.now()); err != nil {
		return err
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusCreated, pushResponse{RequestURI: PushedPrefix + id, ExpiresIn: int64(f.pol.Pushed.TTL / time.Second)})
	return nil
}

// sentence turns a page's message into an error description: lower-case
// first letter, no final period.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToLower(r)) + strings.TrimSuffix(msg[n:], ".")
}

// isPushed reports whether q names a pushed request this flow handed out.
func (f *Flow) isPushed(q url.Values) bool {
	return f.pol.Pushed.TTL > 0 && strings.HasPrefix(q.Get("request_uri"), PushedPrefix)
}

// requiresPushed reports whether the client may only send pushed requests.
func (f *Flow) requiresPushed(c fixtures.Client) bool {
	return f.pol.Pushed.TTL > 0 && f.pol.Pushed.Required != nil && f.pol.Pushed.Required(c)
}

// authorizePushed answers /authorize?client_id=…&request_uri=…: the pushed
// request, taken once and only by the client that pushed it, stands for
// every other parameter (RFC 9126 §4).
func (f *Flow) authorizePushed(w http.ResponseWriter, r *http.Request, q url.Values) {
	ctx := r.Context()
	clientID := q.Get("client_id")
	if clientID == "" {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Cannot continue", Message: "The request has no client_id."})
		return
	}
	client, ok := f.deps.Dir.LookupClient(ctx, clientID)
	if !ok {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Cannot continue", Message: "Unknown client_id."})
		return
	}
	req, ok := f.takePushed(ctx, strings.TrimPrefix(q.Get("request_uri"), PushedPrefix), client.ID)
	if !ok {
		f.refusePushed(w, r, q, client)
		return
	}
	// What was validated at the push may have changed since (the admin
	// API edits clients at runtime).
	if !oauth.MatchRedirectURI(client.RedirectURIs, req.RedirectURI) {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Cannot continue", Message: "The redirect_uri is not registered for this " + f.pol.Pages.Noun + "."})
		return
	}
	if !client.AllowsGrant(string(oauth.GrantAuthorizationCode)) || !f.pol.CodeGrantEnabled {
		f.redirectError(w, r, req, oauth.UnauthorizedClient("the %s may not use the authorization code grant", f.pol.Pages.Noun))
		return
	}
	f.proceed(w, r, req, client)
}

// takePushed loads the pushed request id and takes it, if it is the
// client's: another client's attempt leaves it for its owner.
func (f *Flow) takePushed(ctx context.Context, id, clientID string) (*Request, bool) {
	req, err := f.pushed.Load(ctx, f.deps.Store, id)
	if err != nil || req.ClientID != clientID || !f.pushed.Take(ctx, f.deps.Store, id) {
		return nil, false
	}
	return &req, true
}

// refusePushed answers an unusable request_uri with invalid_request_uri,
// redirected where the query's redirect_uri (or the client's only one)
// can be trusted, else on a page.
func (f *Flow) refusePushed(w http.ResponseWriter, r *http.Request, q url.Values, client fixtures.Client) {
	const desc = "the request_uri is unknown, expired, already used, or was pushed by another client"
	uri, ok := oauth.ResolveRedirectURI(client.RedirectURIs, q.Get("redirect_uri"))
	if !ok {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Cannot continue", Message: "The request_uri is unknown, expired, already used, or was pushed by another " + f.pol.Pages.Noun + "."})
		return
	}
	f.redirectError(w, r, &Request{RedirectURI: uri, State: q.Get("state")}, &oauth.Error{Code: CodeInvalidRequestURI, Description: desc})
}

// newPushed is the store of pushed requests, expiring after ttl.
func newPushed(ttl time.Duration) store.Pending[Request] {
	return store.Pending[Request]{Prefix: "par:", TTL: ttl}
}
