package oidc

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

//go:embed templates/*.html
var templateFS embed.FS

func parsePages() (*template.Template, error) {
	return template.ParseFS(templateFS, "templates/*.html")
}

// page data; every page has a Title and the Issuer for the banner.
type errorPage struct {
	Title, Message, Issuer string
}

type loginPage struct {
	Title, Issuer, ClientName, Action, RequestID, Username, Error string
	Scopes                                                        []string
}

// renderPage writes a page with the instance's issuer in its banner.
func (p *Provider) renderPage(w http.ResponseWriter, status int, name string, data any) {
	switch d := data.(type) {
	case errorPage:
		d.Issuer = p.deps.Issuer
		data = d
	case loginPage:
		d.Issuer = p.deps.Issuer
		data = d
	}
	if err := httpx.WritePage(w, status, p.pages, name, data); err != nil {
		p.log.Error("rendering a page failed", "page", name, "error", err)
	}
}

// showLogin stores the request and shows the login and consent page.
func (p *Provider) showLogin(w http.ResponseWriter, r *http.Request, req *authRequest, client fixtures.Client, errMsg string) {
	id, err := p.savePending(r.Context(), req)
	if err != nil {
		p.log.ErrorContext(r.Context(), "saving a pending authorization failed", "error", err)
		p.redirectError(w, r, req, oauth.ServerError(err))
		return
	}
	p.renderLogin(w, http.StatusOK, req, client, id, req.LoginHint, errMsg)
}

func (p *Provider) renderLogin(w http.ResponseWriter, status int, req *authRequest, client fixtures.Client, id, username, errMsg string) {
	name := client.Name
	if name == "" {
		name = client.ID
	}
	p.renderPage(w, status, "login", loginPage{
		Title: "Sign in", ClientName: name, Action: p.url(PathAuthorizeDecision),
		RequestID: id, Username: username, Error: errMsg, Scopes: req.Scopes,
	})
}

// serveDecision receives the login page's form: Deny redirects
// access_denied; Allow with the right password redirects a code; a wrong
// password shows the page again. The pending request is single use.
func (p *Provider) serveDecision(w http.ResponseWriter, r *http.Request) {
	form, err := oauth.ReadForm(r, p.deps.MaxBody)
	if err != nil {
		p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Invalid request", Message: oauth.From(err).Description})
		return
	}
	id := form.Get("request_id")
	req, err := p.loadPending(r.Context(), id)
	if id == "" || err != nil {
		p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Sign-in expired", Message: "This sign-in request is unknown, was already answered, or expired. Start again from the application."})
		return
	}
	client, ok := p.dir.LookupClient(r.Context(), req.ClientID)
	if !ok {
		p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Cannot continue", Message: "The client no longer exists."})
		return
	}
	switch form.Get("action") {
	case "deny":
		if p.takePending(r.Context(), id) {
			p.redirectError(w, r, req, oauth.AccessDenied("the user denied the request"))
			return
		}
	case "allow":
		user, ok := p.dir.CheckPassword(form.Get("username"), form.Get("password"))
		if !ok {
			p.renderLogin(w, http.StatusUnauthorized, req, client, id, form.Get("username"), "Wrong username or password.")
			return
		}
		if p.takePending(r.Context(), id) {
			p.approve(w, r, req, user)
			return
		}
	default:
		p.renderLogin(w, http.StatusBadRequest, req, client, id, form.Get("username"), "Choose Allow or Deny.")
		return
	}
	p.renderPage(w, http.StatusBadRequest, "error", errorPage{Title: "Sign-in expired", Message: "This sign-in request was already answered."})
}
