package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/authcode"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// devicePage is the code-entry page's data.
type devicePage struct {
	Title, Issuer, Action, UserCode, Error string
}

// deviceDonePage ends the flow in the browser: the device gets the answer.
type deviceDonePage struct {
	Title, Issuer, Message string
}

// deviceLogin is what the login page at /device answers: the user code it
// was opened for.
type deviceLogin struct {
	UserCode string `json:"user_code"`
}

// pendingDeviceLogins keep the user code server-side under the login
// page's random request_id, the page's CSRF token (as for /authorize).
var pendingDeviceLogins = store.Pending[deviceLogin]{Prefix: "device-login:", TTL: 10 * time.Minute}

// serveDevicePage is the verification URI (RFC 8628 §3.3): GET shows the
// code form, prefilled from ?user_code= (verification_uri_complete, §3.3.1);
// POST checks the code and shows the login and consent page.
func (p *Provider) serveDevicePage(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			p.renderDeviceForm(w, http.StatusBadRequest, "", "The query string is not valid URL encoding.")
			return
		}
		typed := q.Get("user_code")
		if code, ok := normalizeUserCode(typed); ok {
			typed = formatUserCode(code)
		}
		p.renderDeviceForm(w, http.StatusOK, typed, "")
		return
	}
	form, err := oauth.ReadForm(r, p.deps.MaxBody)
	if err != nil {
		p.renderDeviceForm(w, http.StatusBadRequest, "", oauth.From(err).Description)
		return
	}
	typed := form.Get("user_code")
	code, ok := normalizeUserCode(typed)
	if !ok {
		p.renderDeviceForm(w, http.StatusBadRequest, typed, "That is not a valid code: it has 8 letters, like WDJB-MJHT.")
		return
	}
	auth, client, msg := p.pendingDevice(r.Context(), code)
	if msg != "" {
		p.renderDeviceForm(w, http.StatusBadRequest, typed, msg)
		return
	}
	id, err := p.deps.RandomToken()
	if err == nil {
		err = pendingDeviceLogins.Save(r.Context(), p.deps.Store, id, deviceLogin{UserCode: code}, p.now())
	}
	if err != nil {
		p.log.ErrorContext(r.Context(), "saving a pending device login failed", "error", err)
		p.renderDeviceForm(w, http.StatusInternalServerError, typed, "The server failed to continue; try again.")
		return
	}
	p.renderDeviceLogin(w, http.StatusOK, auth, client, id, "", "")
}

// pendingDevice looks up an authorization a person may still decide, or
// says on the page why not.
func (p *Provider) pendingDevice(ctx context.Context, code string) (store.DeviceAuth, fixtures.Client, string) {
	auth, err := p.deviceStore().Get(ctx, p.deps.Store, code, p.now())
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return auth, fixtures.Client{}, "This code is unknown or has expired. Start again on your device."
	case err != nil:
		p.log.ErrorContext(ctx, "reading a device authorization failed", "error", err)
		return auth, fixtures.Client{}, "The server failed to read this code; try again."
	case auth.Status != store.DevicePending:
		return auth, fixtures.Client{}, "This code was already used."
	}
	client, ok := p.dir.LookupClient(ctx, auth.ClientID)
	if !ok {
		return auth, client, "The application that asked for this code no longer exists."
	}
	return auth, client, ""
}

// serveDeviceDecision receives the login page's form for a device: Deny
// denies, Allow with the right password approves, a wrong password shows
// the page again. The request_id is single use, so a double submit
// decides once. Anything that ends the sign-in shows the code form again
// with the reason, where the person can start over.
func (p *Provider) serveDeviceDecision(w http.ResponseWriter, r *http.Request) {
	form, err := oauth.ReadForm(r, p.deps.MaxBody)
	if err != nil {
		p.renderDeviceForm(w, http.StatusBadRequest, "", oauth.From(err).Description)
		return
	}
	id := form.Get("request_id")
	login, err := pendingDeviceLogins.Load(r.Context(), p.deps.Store, id)
	if err != nil {
		p.renderDeviceForm(w, http.StatusBadRequest, "", "This sign-in is unknown, was already answered, or expired. Enter the code again.")
		return
	}
	auth, client, msg := p.pendingDevice(r.Context(), login.UserCode)
	if msg != "" {
		p.renderDeviceForm(w, http.StatusBadRequest, "", msg)
		return
	}
	var user *fixtures.User
	switch form.Get("action") {
	case "deny":
	case "allow":
		u, ok := p.dir.CheckPassword(form.Get("username"), form.Get("password"))
		if !ok {
			p.renderDeviceLogin(w, http.StatusUnauthorized, auth, client, id, form.Get("username"), "Wrong username or password.")
			return
		}
		user = &u
	default:
		p.renderDeviceLogin(w, http.StatusBadRequest, auth, client, id, form.Get("username"), "Choose Allow or Deny.")
		return
	}
	if !pendingDeviceLogins.Take(r.Context(), p.deps.Store, id) {
		p.renderDeviceForm(w, http.StatusBadRequest, "", "This sign-in was already answered.")
		return
	}
	_, err = p.decideDevice(r.Context(), login.UserCode, user, nil)
	switch {
	case errors.Is(err, provider.ErrUnknownUserCode):
		p.renderDeviceForm(w, http.StatusBadRequest, "", "This code has expired. Start again on your device.")
	case errors.Is(err, provider.ErrAlreadyDecided):
		p.renderDeviceForm(w, http.StatusConflict, "", "This code was already used.")
	case err != nil:
		p.log.ErrorContext(r.Context(), "deciding a device authorization failed", "error", err)
		p.renderDeviceForm(w, http.StatusInternalServerError, "", "The server failed to record your answer; try again.")
	case user == nil:
		p.renderPage(w, http.StatusOK, "device_done", deviceDonePage{Title: "Access denied", Issuer: p.deps.Issuer, Message: "You denied the device access. You can close this page."})
	default:
		p.renderPage(w, http.StatusOK, "device_done", deviceDonePage{Title: "Device connected", Issuer: p.deps.Issuer, Message: "You approved the device. Return to it; it signs in by itself. You can close this page."})
	}
}

func (p *Provider) renderDeviceForm(w http.ResponseWriter, status int, typed, errMsg string) {
	p.renderPage(w, status, "device", devicePage{Title: "Connect a device", Issuer: p.deps.Issuer, Action: p.url(PathDevice), UserCode: typed, Error: errMsg})
}

// renderDeviceLogin shows the login and consent page /authorize uses,
// posting to the device decision instead: the one place this flow touches
// the authorization code pages.
func (p *Provider) renderDeviceLogin(w http.ResponseWriter, status int, auth store.DeviceAuth, client fixtures.Client, id, username, errMsg string) {
	p.flow.RenderLogin(w, status, authcode.LoginView{
		Client: client, Action: p.url(PathDeviceDecision),
		RequestID: id, Username: username, Error: errMsg, Scopes: auth.Scopes,
	})
}
