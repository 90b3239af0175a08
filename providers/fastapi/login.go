package fastapi

import (
	"context"
	"net/http"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
)

// loginPattern is the pattern FastAPI's OAuth2PasswordRequestForm puts on
// grant_type; pydantic v2 matches it against the whole string.
const loginPattern = "^password$"

// tokenResponse is the documented login answer (UniPoll API docs), with
// the UniPoll code's client_id as an option.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ClientID     string `json:"client_id,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	// jti is the access token's lifecycle jti, for Mint; never sent.
	jti string
}

// loginForm is OAuth2PasswordRequestForm after validation.
type loginForm struct {
	username, password string
}

// parseLoginForm validates f as FastAPI validates OAuth2PasswordRequestForm:
// every problem at once, in the order the form declares its fields
// (grant_type, username, password, scope, client_id, client_secret).
// scope, client_id and client_secret are optional strings and accept
// anything; client_id ("the Account ID") is not checked against the user,
// as fastapi-users ignores it.
func parseLoginForm(f form) (loginForm, error) {
	var errs []validationError
	if gt, ok := f.field("grant_type"); ok && gt != "password" {
		errs = append(errs, patternMismatch("body", "grant_type", loginPattern, gt))
	}
	username, ok := f.field("username")
	if !ok {
		errs = append(errs, missing("body", "username"))
	}
	password, ok := f.field("password")
	if !ok {
		errs = append(errs, missing("body", "password"))
	}
	return loginForm{username: username, password: password}, validationErrors(errs)
}

// serveLogin is POST /auth/jwt/login.
func (p *Provider) serveLogin(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(r, p.deps.MaxBody)
	if err != nil {
		return err
	}
	lf, err := parseLoginForm(f)
	if err != nil {
		return err
	}
	// CheckPassword compares in constant time and spends the same effort on
	// an unknown user, as fastapi-users hashes the password anyway; an
	// inactive user gets the same answer as a wrong password.
	user, ok := p.dir.CheckPassword(lf.username, lf.password)
	if !ok {
		return httpError(http.StatusBadRequest, detailBadCredentials)
	}
	if p.cfg.RequiresVerification && !flag(user, claimVerified) {
		return httpError(http.StatusBadRequest, detailNotVerified)
	}
	resp, err := p.login(r.Context(), user, 0, nil)
	if err != nil {
		return err
	}
	p.writeTokens(w, resp)
	return nil
}

// login starts a new session (refresh family) for user.
func (p *Provider) login(ctx context.Context, user fixtures.User, ttl int64, extra map[string]any) (tokenResponse, error) {
	sub := user.SubjectOrUsername()
	family, err := p.deps.RandomHex(16)
	if err != nil {
		return tokenResponse{}, err
	}
	pr, err := p.mint(sub, user.Username, family, true, secondsToDuration(ttl), extra)
	if err != nil {
		return tokenResponse{}, err
	}
	if err := p.deps.Store.IssueRefresh(ctx, pr.refresh, pr.refreshRecord); err != nil {
		p.discard(pr, true)
		return tokenResponse{}, err
	}
	if err := p.storeSession(ctx, &pr); err != nil {
		return tokenResponse{}, err
	}
	return p.response(pr), nil
}

func (p *Provider) response(pr pair) tokenResponse {
	resp := tokenResponse{
		AccessToken:  pr.access,
		RefreshToken: pr.refresh,
		TokenType:    p.cfg.TokenType,
		ExpiresIn:    int64(pr.accessTTL.Seconds()),
		jti:          pr.session.ID,
	}
	if p.cfg.LoginClientID {
		resp.ClientID = pr.session.Subject
	}
	return resp
}

// writeTokens writes a token answer; tokens are never cached (RFC 6749
// §5.1), which no FastAPI client minds.
func (p *Provider) writeTokens(w http.ResponseWriter, resp tokenResponse) {
	httpx.NoStore(w)
	writeJSON(w, http.StatusOK, resp)
}
