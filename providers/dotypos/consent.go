package dotypos

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/store"
)

// pendingConsent is a connector request waiting for Allow or Deny, stored
// in pendingConsents. The id is the page's only hidden field: it is
// unguessable, single use and short-lived, so a forged or replayed form
// post finds nothing to approve.
type pendingConsent struct {
	Request  connectRequest `json:"request"`
	Username string         `json:"username"`
}

// pendingConsents are the requests connector pages are answering.
var pendingConsents = store.Pending[pendingConsent]{Prefix: "consent:", TTL: 10 * time.Minute}

// showConsent stores the request and shows the page.
func (p *Provider) showConsent(w http.ResponseWriter, r *http.Request, req *connectRequest, client fixtures.Client, user fixtures.User, clouds []fixtures.Cloud, chosen int64) {
	id, err := p.deps.RandomToken()
	if err == nil {
		err = pendingConsents.Save(r.Context(), p.deps.Store, id, pendingConsent{Request: *req, Username: user.Username}, p.now())
	}
	if err != nil {
		p.log.ErrorContext(r.Context(), "saving a pending consent failed", "error", err)
		p.showError(w, &pageError{http.StatusInternalServerError, "The server failed to start the connection."})
		return
	}
	p.renderConsent(w, http.StatusOK, client, user, clouds, chosen, id, "")
}

func (p *Provider) renderConsent(w http.ResponseWriter, status int, client fixtures.Client, user fixtures.User, clouds []fixtures.Cloud, chosen int64, id, errMsg string) {
	name := client.Name
	if name == "" {
		name = client.ID
	}
	data := consentPage{Title: "Connect " + name, AppName: name, Username: user.Username, Action: p.url(PathConnectDecision), ConsentID: id, Error: errMsg}
	for _, c := range clouds {
		data.Clouds = append(data.Clouds, consentCloud{ID: c.ID, Name: c.Name, Checked: c.ID == chosen})
	}
	p.renderPage(w, status, "connect", data)
}

var errAnswered = badRequest("This connection request is unknown, was already answered, or expired. Start again from the application.")

// serveDecision receives the page's form: Allow with a cloud of the user
// issues the token; Deny goes back without one. The pending request is
// taken atomically, so a double submit cannot issue two tokens.
func (p *Provider) serveDecision(w http.ResponseWriter, r *http.Request) {
	if !p.sameOrigin(r) {
		p.showError(w, forbidden("The form was posted from another site."))
		return
	}
	form, err := httpx.ReadForm(r, p.deps.MaxBody)
	if err == nil {
		err = httpx.RejectDuplicates(form)
	}
	if err != nil {
		p.showError(w, badRequest("The form could not be read."))
		return
	}
	id := form.Get("consent_id")
	pending, err := p.loadConsent(r.Context(), id)
	if err != nil {
		p.showError(w, errAnswered)
		return
	}
	client, ok := p.dir.LookupClient(r.Context(), pending.Request.ClientID)
	user, userOK := p.dir.User(pending.Username)
	if !ok || !userOK || user.Disabled {
		p.showError(w, forbidden("The application or the user no longer exists."))
		return
	}
	clouds := p.clouds.ofUser(user.Username)
	switch form.Get("action") {
	case "deny":
		if p.takeConsent(r.Context(), id) {
			p.deny(w, r, &pending.Request)
			return
		}
	case "allow":
		chosen, ok := parseCloudID(form.Get("cloudid"))
		if !ok || !slices.ContainsFunc(clouds, func(c fixtures.Cloud) bool { return c.ID == chosen }) {
			p.renderConsent(w, http.StatusBadRequest, client, user, clouds, 0, id, "Choose one of your clouds.")
			return
		}
		if p.takeConsent(r.Context(), id) {
			p.approve(w, r, &pending.Request, client, user, chosen)
			return
		}
	default:
		p.renderConsent(w, http.StatusBadRequest, client, user, clouds, 0, id, "Choose Allow or Deny.")
		return
	}
	p.showError(w, errAnswered)
}

// sameOrigin rejects a decision posted by another site. Browsers send
// Origin on form posts; a request without one (a script, curl) is let
// through, since the single-use id already binds it to a page the server
// showed.
func (p *Provider) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(p.deps.Issuer)
	return err == nil && origin == u.Scheme+"://"+u.Host
}

func (p *Provider) loadConsent(ctx context.Context, id string) (*pendingConsent, error) {
	pc, err := pendingConsents.Load(ctx, p.deps.Store, id)
	return &pc, err
}

// takeConsent reports whether this call answered the pending consent, so a
// double submit cannot issue two tokens.
func (p *Provider) takeConsent(ctx context.Context, id string) bool {
	return pendingConsents.Take(ctx, p.deps.Store, id)
}
