package dotypos

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// connectRequest is a validated connector request, kept server-side while
// the interactive page waits for the user.
type connectRequest struct {
	ClientID    string `json:"client_id"`
	RedirectURI string `json:"redirect_uri"`
	State       string `json:"state"`
	HasState    bool   `json:"has_state"`
	CloudHint   int64  `json:"cloud_hint,omitempty"`
}

// pageError is a connector failure shown on a page, never redirected: the
// client or its redirect URI cannot be trusted (RFC 6749 §4.1.2.1's rule,
// contract §A.2).
type pageError struct {
	status  int
	message string
}

func (e *pageError) Error() string { return e.message }

func badRequest(msg string) *pageError { return &pageError{http.StatusBadRequest, msg} }
func forbidden(msg string) *pageError  { return &pageError{http.StatusForbidden, msg} }

// errClient is the one message for an unknown client and a wrong secret or
// signature, so the page does not reveal which client ids exist.
var errClient = forbidden("The client application could not be authenticated (unknown client_id, or a wrong client_secret or signature).")

// serveConnect is the legacy connector, GET /client/connect?client_id=
// &client_secret=&scope=*&redirect_uri=&state=.
func (p *Provider) serveConnect(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		p.showError(w, badRequest("The query string is not valid URL encoding."))
		return
	}
	req, client, perr := p.parseLegacy(r, q)
	if perr != nil {
		p.showError(w, perr)
		return
	}
	p.proceed(w, r, req, client)
}

func (p *Provider) parseLegacy(r *http.Request, q url.Values) (*connectRequest, fixtures.Client, *pageError) {
	if perr := checkParams(q, "client_id", "client_secret", "scope", "redirect_uri"); perr != nil {
		return nil, fixtures.Client{}, perr
	}
	client, ok := p.dir.LookupClient(r.Context(), q.Get("client_id"))
	if !ok {
		oauth.SecretEqual("authmock-no-such-client", q.Get("client_secret")) // same cost as a wrong secret
		return nil, fixtures.Client{}, errClient
	}
	if !oauth.SecretEqual(client.Secret, q.Get("client_secret")) {
		return nil, fixtures.Client{}, errClient
	}
	req, perr := p.commonParams(client, q)
	return req, client, perr
}

// serveConnectV2 is the signed connector, POST /client/connect/v2 with the
// form fields client_id, timestamp, signature, scope, redirect_uri, state.
func (p *Provider) serveConnectV2(w http.ResponseWriter, r *http.Request) {
	form, err := httpx.ReadForm(r, p.deps.MaxBody)
	switch {
	case errors.Is(err, httpx.ErrBodyTooLarge):
		p.showError(w, &pageError{http.StatusRequestEntityTooLarge, "The form is too large."})
		return
	case err != nil:
		p.showError(w, badRequest("The connector expects an HTML form post (application/x-www-form-urlencoded)."))
		return
	}
	req, client, perr := p.parseV2(r, form)
	if perr != nil {
		p.showError(w, perr)
		return
	}
	p.proceed(w, r, req, client)
}

func (p *Provider) parseV2(r *http.Request, form url.Values) (*connectRequest, fixtures.Client, *pageError) {
	if perr := checkParams(form, "client_id", "timestamp", "signature", "scope", "redirect_uri"); perr != nil {
		return nil, fixtures.Client{}, perr
	}
	ts, ok := parseTimestamp(form.Get("timestamp"))
	if !ok {
		return nil, fixtures.Client{}, badRequest("timestamp must be the current Unix time in seconds.")
	}
	client, ok := p.dir.LookupClient(r.Context(), form.Get("client_id"))
	secret := client.Secret
	if !ok {
		secret = "authmock-no-such-client" // same cost as a wrong signature
	}
	if !VerifySignature(secret, form.Get("timestamp"), form.Get("signature")) || !ok {
		return nil, fixtures.Client{}, errClient
	}
	window := p.cfg.TimestampWindow.D()
	if skew := p.deps.Clock.Now().Sub(time.Unix(ts, 0)); skew > window || skew < -window {
		return nil, fixtures.Client{}, forbidden("The timestamp is too far from the server's clock; sync the clock (NTP) and sign a fresh one.")
	}
	req, perr := p.commonParams(client, form)
	return req, client, perr
}

// Sign returns connector v2's signature of a timestamp: the lowercase hex
// HMAC-SHA256 of the decimal timestamp, keyed with the client secret.
func Sign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a connector v2 signature in constant time. Only
// the lowercase hex every known client sends is accepted.
func VerifySignature(secret, timestamp, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, timestamp)), []byte(signature))
}

// parseTimestamp accepts Unix seconds in canonical decimal form.
func parseTimestamp(s string) (int64, bool) {
	if s == "" || len(s) > 12 || (s[0] == '0' && s != "0") {
		return 0, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// checkParams requires each name to be present and non-empty, and every
// parameter to appear at most once.
func checkParams(params url.Values, required ...string) *pageError {
	if err := httpx.RejectDuplicates(params); err != nil {
		return badRequest("A parameter was sent more than once: " + err.Error() + ".")
	}
	for _, name := range required {
		if params.Get(name) == "" {
			return badRequest("The required parameter " + name + " is missing.")
		}
	}
	return nil
}

// commonParams checks what both connectors share once the client is
// authenticated: scope, redirect_uri, state and our cloudid hint.
func (p *Provider) commonParams(client fixtures.Client, params url.Values) (*connectRequest, *pageError) {
	if params.Get("scope") != "*" {
		return nil, badRequest("scope must be * (the only supported value).")
	}
	if !oauth.MatchRedirectURI(client.RedirectURIs, params.Get("redirect_uri")) {
		return nil, badRequest("The redirect_uri is not registered for this client application.")
	}
	req := &connectRequest{ClientID: client.ID, RedirectURI: params.Get("redirect_uri"), State: params.Get("state"), HasState: params.Has("state")}
	if hint := params.Get("cloudid"); hint != "" {
		id, ok := parseCloudID(hint)
		if !ok {
			return nil, badRequest("cloudid must be a positive 32-bit integer.")
		}
		req.CloudHint = id
	}
	return req, nil
}

// proceed shows the interactive page, or approves at once as the client's
// default user with the hinted or first cloud.
func (p *Provider) proceed(w http.ResponseWriter, r *http.Request, req *connectRequest, client fixtures.Client) {
	user, perr := p.connectingUser(client)
	if perr != nil {
		p.showError(w, perr)
		return
	}
	clouds := p.clouds.ofUser(user.Username)
	if len(clouds) == 0 {
		p.showError(w, forbidden("The user "+user.Username+" has no cloud to connect."))
		return
	}
	chosen := clouds[0].ID
	if req.CloudHint != 0 {
		if !slices.ContainsFunc(clouds, func(c fixtures.Cloud) bool { return c.ID == req.CloudHint }) {
			p.showError(w, forbidden("The requested cloudid is not one of the user's clouds."))
			return
		}
		chosen = req.CloudHint
	}
	if p.cfg.Interactive {
		p.showConsent(w, r, req, client, user, clouds, chosen)
		return
	}
	p.approve(w, r, req, client, user, chosen)
}

// connectingUser is the user the connector acts for: the client's default
// user, else the first user by name.
func (p *Provider) connectingUser(client fixtures.Client) (fixtures.User, *pageError) {
	var user fixtures.User
	if client.DefaultUser != "" {
		u, ok := p.dir.User(client.DefaultUser)
		if !ok {
			return user, forbidden("The client application's default user does not exist.")
		}
		user = u
	} else {
		users := p.dir.Users()
		if len(users) == 0 {
			return user, forbidden("No user is configured to connect.")
		}
		user = users[0]
	}
	if user.Disabled {
		return user, forbidden("The user " + user.Username + " is disabled.")
	}
	return user, nil
}

// approve issues a refresh token for the chosen cloud (or, with
// grant_clouds "all", every cloud of the user) and redirects to
// redirect_uri?token=&cloudid=&state=, in the documentation's order.
func (p *Provider) approve(w http.ResponseWriter, r *http.Request, req *connectRequest, client fixtures.Client, user fixtures.User, cloudID int64) {
	granted := []int64{cloudID}
	if p.cfg.GrantClouds == GrantAll {
		for _, c := range p.clouds.ofUser(user.Username) {
			if c.ID != cloudID {
				granted = append(granted, c.ID)
			}
		}
	}
	token, err := p.issueRefresh(r.Context(), refreshGrant{ClientID: client.ID, Username: user.Username, Subject: user.SubjectOrUsername(), Clouds: granted}, client)
	if err != nil {
		p.log.ErrorContext(r.Context(), "issuing a refresh token failed", "error", err)
		p.showError(w, &pageError{http.StatusInternalServerError, "The server failed to issue a token."})
		return
	}
	query := "token=" + url.QueryEscape(token) + "&cloudid=" + strconv.FormatInt(cloudID, 10)
	if req.HasState {
		query += "&state=" + url.QueryEscape(req.State)
	}
	http.Redirect(w, r, appendRawQuery(req.RedirectURI, query), http.StatusFound)
}

// deny sends the browser back with error=access_denied (and state), or
// shows a page, as on_deny says.
func (p *Provider) deny(w http.ResponseWriter, r *http.Request, req *connectRequest) {
	if p.cfg.OnDeny == DenyPage {
		p.renderPage(w, http.StatusOK, "denied", textPage{Title: "Access denied", Message: "You did not allow the application to access your cloud. You can close this page."})
		return
	}
	query := "error=access_denied"
	if req.HasState {
		query += "&state=" + url.QueryEscape(req.State)
	}
	http.Redirect(w, r, appendRawQuery(req.RedirectURI, query), http.StatusFound)
}

// appendRawQuery adds an encoded query to uri, keeping the query it already
// has byte for byte (as oauth.AppendQuery does, but in a given order).
func appendRawQuery(uri, query string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	if u.RawQuery == "" {
		u.RawQuery = query
	} else {
		u.RawQuery += "&" + query
	}
	u.ForceQuery = false
	return u.String()
}
