package authcode

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

//go:embed templates/*.html
var templateFS embed.FS

// parsePages parses the kit's pages and a dialect's own (templates/*.html
// in extra), which may use the layout's "head" and "foot".
func parsePages(extra fs.FS) (*template.Template, error) {
	t, err := template.ParseFS(templateFS, "templates/*.html")
	if err != nil || extra == nil {
		return t, err
	}
	return t.ParseFS(extra, "templates/*.html")
}

// ErrorPage is the data of the "error" page, and of a dialect's own pages
// that show a title and a message.
type ErrorPage struct {
	Title, Message string
	// Issuer (the banner) and Note (Words.PageNote) are filled in by
	// RenderPage.
	Issuer, Note string
}

// loginPage is the data of the login and consent page.
type loginPage struct {
	Title, Issuer, ClientName, Action, RequestID, Username, Error, Asks, Fallback string
	Always, Scopes                                                                []string
}

// RenderPage writes a page with the instance's issuer in its banner.
func (f *Flow) RenderPage(w http.ResponseWriter, status int, name string, data any) {
	switch d := data.(type) {
	case ErrorPage:
		d.Issuer, d.Note = f.deps.Issuer, f.pol.Pages.PageNote
		data = d
	case loginPage:
		d.Issuer = f.deps.Issuer
		data = d
	}
	if err := httpx.WritePage(w, status, f.pages, name, data); err != nil {
		f.log.Error("rendering a page failed", "page", name, "error", err)
	}
}

// showLogin stores the request and shows the login and consent page.
func (f *Flow) showLogin(w http.ResponseWriter, r *http.Request, req *Request, client fixtures.Client) {
	id, err := f.savePending(r.Context(), req)
	if err != nil {
		f.log.ErrorContext(r.Context(), "saving a pending authorization failed", "error", err)
		f.redirectError(w, r, req, oauth.ServerError(err))
		return
	}
	f.renderLogin(w, http.StatusOK, req, client, id, req.LoginHint, "")
}

func (f *Flow) renderLogin(w http.ResponseWriter, status int, req *Request, client fixtures.Client, id, username, errMsg string) {
	f.RenderLogin(w, status, LoginView{Client: client, Action: f.pol.DecisionURL, RequestID: id, Username: username, Error: errMsg, Scopes: req.Scopes})
}

// LoginView is what the login and consent page shows: for /authorize, and
// for a dialect's other flows that sign a user in (oidc's /device), which
// post the form to their own Action.
type LoginView struct {
	Client                             fixtures.Client
	Action, RequestID, Username, Error string
	Scopes                             []string
}

// RenderLogin writes the login and consent page.
func (f *Flow) RenderLogin(w http.ResponseWriter, status int, v LoginView) {
	name := v.Client.Name
	if name == "" {
		name = v.Client.ID
	}
	words := f.pol.Pages
	f.RenderPage(w, status, "login", loginPage{
		Title: "Sign in", ClientName: name, Action: v.Action,
		RequestID: v.RequestID, Username: v.Username, Error: v.Error, Scopes: v.Scopes,
		Asks: words.Asks, Always: words.Always, Fallback: words.Fallback,
	})
}

// ServeDecision receives the login page's form: Deny redirects
// access_denied; Allow with the right password redirects a code; a wrong
// password shows the page again. The pending request is single use.
func (f *Flow) ServeDecision(w http.ResponseWriter, r *http.Request) {
	form, err := oauth.ReadForm(r, f.deps.MaxBody)
	if err != nil {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Invalid request", Message: oauth.From(err).Description})
		return
	}
	id := form.Get("request_id")
	req, err := f.loadPending(r.Context(), id)
	if id == "" || err != nil {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Sign-in expired", Message: "This sign-in request is unknown, was already answered, or expired. Start again from the application."})
		return
	}
	client, ok := f.deps.Dir.LookupClient(r.Context(), req.ClientID)
	if !ok {
		f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Cannot continue", Message: "The " + f.pol.Pages.Noun + " no longer exists."})
		return
	}
	switch form.Get("action") {
	case "deny":
		if f.takePending(r.Context(), id) {
			f.redirectError(w, r, req, oauth.AccessDenied("the user denied the request"))
			return
		}
	case "allow":
		user, ok := f.deps.Dir.CheckPassword(form.Get("username"), form.Get("password"))
		if !ok {
			f.renderLogin(w, http.StatusUnauthorized, req, client, id, form.Get("username"), "Wrong username or password.")
			return
		}
		if f.takePending(r.Context(), id) {
			f.approve(w, r, req, user)
			return
		}
	default:
		f.renderLogin(w, http.StatusBadRequest, req, client, id, form.Get("username"), "Choose Allow or Deny.")
		return
	}
	f.RenderPage(w, http.StatusBadRequest, "error", ErrorPage{Title: "Sign-in expired", Message: "This sign-in request was already answered."})
}
