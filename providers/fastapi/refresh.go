package fastapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// postmanPattern is the grant_type a Postman refresh must carry.
const postmanPattern = "^refresh_token$"

// header returns a required Header parameter as FastAPI reads it: the
// first value; an empty value is present (only Form treats "" as absent).
func header(r *http.Request, name string) (string, bool) {
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// serveRefresh is POST /auth/jwt/refresh: the refresh token in the
// refresh-token header (documented), and with refresh_requires_access_token
// also "Authorization: Bearer <access token>" (the UniPoll code).
func (p *Provider) serveRefresh(w http.ResponseWriter, r *http.Request) error {
	var errs []validationError
	authz, hasAuthz := header(r, "Authorization")
	if p.cfg.RefreshRequiresAccessToken && !hasAuthz {
		errs = append(errs, missing("header", "authorization"))
	}
	refresh, ok := header(r, "Refresh-Token")
	if !ok {
		errs = append(errs, missing("header", "refresh-token"))
	}
	if err := validationErrors(errs); err != nil {
		return err
	}
	var check func(store.RefreshRecord) error
	if p.cfg.RefreshRequiresAccessToken {
		access, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok || access == "" || strings.ContainsAny(access, " \t") {
			return httpError(http.StatusBadRequest, detailInvalidAuthHeader)
		}
		s, found, err := p.lookupSession(r.Context(), access)
		if err != nil {
			return err
		}
		if !found {
			return httpError(http.StatusUnauthorized, detailInvalidAccess)
		}
		// A revoked access token is as good as deleted (the UniPoll code's
		// revocation deletes it); an expired one still pairs, as an access
		// token past its exp does.
		status, err := p.life.Judge(r.Context(), s.facts())
		if err != nil {
			return err
		}
		if status == lifecycle.Revoked {
			return httpError(http.StatusUnauthorized, detailInvalidAccess).WithCause(errors.New("access token revoked"))
		}
		accessHash := tokenHash(access)
		check = func(rec store.RefreshRecord) error {
			if rec.Grant.Extra[extraAccess] != accessHash || !slices.Contains(s.Families, rec.Grant.FamilyID) {
				return httpError(http.StatusUnauthorized, detailInvalidRefresh)
			}
			return nil
		}
	}
	resp, err := p.refresh(r.Context(), refresh, detailInvalidRefresh, check)
	if err != nil {
		return err
	}
	p.writeTokens(w, resp)
	return nil
}

// servePostmanRefresh is POST /auth/jwt/postman-refresh (and the code's
// postman_refresh): what Postman's OAuth2 helper sends, Basic
// base64("<account id>:") and a form with grant_type=refresh_token and
// refresh_token. golang.org/x/oauth2 sends the same.
func (p *Provider) servePostmanRefresh(w http.ResponseWriter, r *http.Request) error {
	var errs []validationError
	authz, hasAuthz := header(r, "Authorization")
	if !hasAuthz {
		errs = append(errs, missing("header", "authorization"))
	}
	f, err := readForm(r, p.deps.MaxBody)
	if err != nil {
		return err
	}
	gt, ok := f.field("grant_type")
	switch {
	case !ok:
		errs = append(errs, missing("body", "grant_type"))
	case gt != "refresh_token":
		errs = append(errs, patternMismatch("body", "grant_type", postmanPattern, gt))
	}
	refresh, ok := f.field("refresh_token")
	if !ok {
		errs = append(errs, missing("body", "refresh_token"))
	}
	if err := validationErrors(errs); err != nil {
		return err
	}
	clientID, ok := basicClientID(authz)
	if !ok {
		return httpError(http.StatusBadRequest, detailInvalidAuthHeader)
	}
	check := func(rec store.RefreshRecord) error {
		if rec.Grant.Subject != clientID {
			return httpError(http.StatusUnauthorized, detailInvalidClientID)
		}
		return nil
	}
	// An unknown refresh token is "Invalid Access token" here, word for
	// word what the UniPoll code answers on this route.
	resp, err := p.refresh(r.Context(), refresh, detailInvalidAccess, check)
	if err != nil {
		return err
	}
	p.writeTokens(w, resp)
	return nil
}

// basicClientID reads the account id from "Basic base64(<id>:<secret>)".
// The secret is unused (the documentation says so). The id may be
// form-urlencoded, as RFC 6749 §2.3.1 clients such as x/oauth2 send it.
func basicClientID(authz string) (string, bool) {
	cred, ok := strings.CutPrefix(authz, "Basic ")
	if !ok || cred == "" || strings.ContainsAny(cred, " \t") {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return "", false
	}
	id, _, _ := strings.Cut(string(raw), ":")
	if unescaped, err := url.QueryUnescape(id); err == nil {
		id = unescaped
	}
	return id, true
}

// refresh rotates a refresh token and returns a new pair in the same
// family. check, when set, sees the token's record first; its error is
// returned with nothing changed. unknown is the detail for a token the
// server never issued.
//
// A refresh token is single use. Presenting one that was already used is
// reuse: every token of the user is revoked, on every device, and the
// answer is 401 "Refresh token expired; Please login again", as the UniPoll
// code answers. An expired token, one of a revoked session, and one the
// admin API revoked or expired get the same answer without revoking
// anything more.
func (p *Provider) refresh(ctx context.Context, presented, unknown string, check func(store.RefreshRecord) error) (tokenResponse, error) {
	expired := httpError(http.StatusUnauthorized, detailRefreshExpired)
	if p.keys != nil {
		opts := jwtutil.VerifyOptions{Now: p.deps.Clock.Now, Audience: []string{audienceRefresh}, AllowMissingExp: p.cfg.RefreshTokenTTL == 0}
		if _, err := p.keys.Verify(presented, &refreshClaims{}, opts); err != nil {
			if errors.Is(err, jwt.ErrTokenExpired) {
				expired.Cause = err
				return tokenResponse{}, expired
			}
			return tokenResponse{}, httpError(http.StatusUnauthorized, unknown).WithCause(err)
		}
	}
	rec, err := p.deps.Store.LookupRefresh(ctx, presented)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, httpError(http.StatusUnauthorized, unknown)
	case errors.Is(err, store.ErrReused):
		if err := p.revokeUser(ctx, rec.Grant.Subject, rec.Grant.Username, rec.Grant.FamilyID); err != nil {
			return tokenResponse{}, err
		}
		expired.Cause = err
		return tokenResponse{}, expired
	case errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		expired.Cause = err
		return tokenResponse{}, expired
	case err != nil:
		return tokenResponse{}, err
	}
	// Revoked (by the admin API, logout, or the user's reuse detection) or
	// expired by the admin API: both answer as an expired token.
	status, err := p.life.Check(ctx, lifecycle.RefreshFacts(rec))
	if err != nil {
		return tokenResponse{}, err
	}
	if status != lifecycle.Live {
		expired.Cause = fmt.Errorf("refresh token %s", status)
		return tokenResponse{}, expired
	}
	if check != nil {
		if err := check(rec); err != nil {
			return tokenResponse{}, err
		}
	}
	sub := rec.Grant.Subject
	user, ok := p.dir.UserBySubject(sub)
	if !ok {
		return tokenResponse{}, httpError(http.StatusNotFound, detailAccountNotFound)
	}
	if user.Disabled {
		return tokenResponse{}, httpError(http.StatusBadRequest, detailBadCredentials)
	}
	if p.cfg.RefreshNewestOnly {
		st, err := p.user(ctx, sub)
		if err != nil {
			return tokenResponse{}, err
		}
		if st.Newest != tokenHash(presented) {
			// The UniPoll code's check: not the user's newest refresh token
			// counts as reuse.
			if err := p.revokeUser(ctx, sub, user.Username, rec.Grant.FamilyID); err != nil {
				return tokenResponse{}, err
			}
			return tokenResponse{}, expired
		}
	}

	pr, err := p.mint(sub, user.Username, rec.Grant.FamilyID, false, 0, nil)
	if err != nil {
		return tokenResponse{}, err
	}
	rec, err = p.deps.Store.RotateRefresh(ctx, presented, pr.refresh, func(cur store.RefreshRecord) (store.RefreshRecord, error) {
		if check != nil {
			if err := check(cur); err != nil {
				return store.RefreshRecord{}, err
			}
		}
		succ := pr.refreshRecord
		succ.Grant.Seq = cur.Grant.Seq // the family keeps its stamp
		return succ, nil
	})
	if err != nil {
		p.discard(pr, false)
	}
	switch {
	case errors.Is(err, store.ErrReused):
		// Another request used the token first (or it is being replayed).
		if err := p.revokeUser(ctx, sub, user.Username, rec.Grant.FamilyID); err != nil {
			return tokenResponse{}, err
		}
		expired.Cause = err
		return tokenResponse{}, expired
	case errors.Is(err, store.ErrNotFound):
		return tokenResponse{}, httpError(http.StatusUnauthorized, unknown)
	case errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		expired.Cause = err
		return tokenResponse{}, expired
	case err != nil:
		return tokenResponse{}, err
	}
	p.life.Rotated(lifecycle.RefreshFacts(rec), pr.refreshRecord.ExpiresAt)
	if err := p.storeSession(ctx, &pr); err != nil {
		return tokenResponse{}, err
	}
	return p.response(pr), nil
}
