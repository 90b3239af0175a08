package dotypos

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/lifecycle"
)

// signinResponse is the whole success body: no expiresIn, no tokenType
// (contract §A.4).
type signinResponse struct {
	AccessToken string `json:"accessToken"`
}

// serveSignin is POST /v2/signin/token: "Authorization: User <refresh
// token>" and a JSON body {"_cloudId": <id>} or {}. Authentication comes
// first (401), then the body (400), then the cloud (403).
func (p *Provider) serveSignin(w http.ResponseWriter, r *http.Request) error {
	token, err := parseUserAuth(r.Header.Values("Authorization"))
	if err != nil {
		return err
	}
	g, id, err := p.lookupRefresh(r.Context(), token)
	if errors.Is(err, errUnknownRefresh) {
		return apiError(http.StatusUnauthorized, ReasonInvalidRefreshToken, err.Error())
	} else if err != nil {
		return err
	}
	// Revoked or expired (by the admin API, or a cut-off of its user or
	// client): the one answer the dialect has for a refresh token that no
	// longer works.
	switch status, err := p.life.Check(r.Context(), g.facts(id)); {
	case err != nil:
		return err
	case status != lifecycle.Live:
		return apiError(http.StatusUnauthorized, ReasonInvalidRefreshToken, "the refresh token was "+status.String())
	}
	// A token whose client or user has since been removed is dead too.
	client, ok := p.dir.LookupClient(r.Context(), g.ClientID)
	if !ok {
		return apiError(http.StatusUnauthorized, ReasonInvalidRefreshToken, "the token's client application no longer exists")
	}
	if u, ok := p.dir.User(g.Username); !ok || u.Disabled {
		return apiError(http.StatusUnauthorized, ReasonInvalidRefreshToken, "the token's user no longer exists or is disabled")
	}
	if !httpx.IsMediaType(r, "application/json") {
		return invalid(ReasonInvalidContentType, "the body must be JSON (Content-Type: application/json)",
			Violation{FieldName: "Content-Type", Message: "must be application/json"})
	}
	body, err := httpx.ReadBody(r, p.deps.MaxBody)
	if errors.Is(err, httpx.ErrBodyTooLarge) {
		return apiError(http.StatusRequestEntityTooLarge, ReasonRequestTooLarge, "the body is too large")
	} else if err != nil {
		return invalid(ReasonInvalidBody, "the body could not be read", Violation{FieldName: "body", Message: "could not be read"})
	}
	cloudID, err := parseSigninBody(body)
	if err != nil {
		return err
	}
	if cloudID != 0 {
		if _, exists := p.clouds.cloud(cloudID); !exists || !slices.Contains(g.Clouds, cloudID) {
			return apiError(http.StatusForbidden, ReasonCloudForbidden, "the refresh token does not grant this cloud")
		}
	}
	access, _, err := p.signAccess(g, cloudID, p.accessTTL(client), nil)
	if err != nil {
		return err
	}
	httpx.NoStore(w)
	// 201, as the real API answers: clients treat any other status as a
	// failure (contract §A.4).
	httpx.WriteJSON(w, http.StatusCreated, signinResponse{AccessToken: access})
	return nil
}

// parseUserAuth reads the refresh token of "Authorization: User <token>".
// The scheme is matched case-insensitively, as HTTP auth schemes are (RFC
// 9110 §11.1); exactly one header, and a token without spaces, are
// required.
func parseUserAuth(values []string) (string, error) {
	if len(values) != 1 {
		return "", apiError(http.StatusUnauthorized, ReasonInvalidAuthHeader, "exactly one Authorization header is required")
	}
	scheme, rest, found := strings.Cut(values[0], " ")
	token := strings.Trim(rest, " ")
	if !found || !strings.EqualFold(scheme, "User") || token == "" || strings.ContainsAny(token, " \t") {
		return "", apiError(http.StatusUnauthorized, ReasonInvalidAuthHeader, "the Authorization header must be \"User <refresh token>\"")
	}
	return token, nil
}

// parseSigninBody reads the signin body: a JSON object whose optional
// _cloudId is a JSON number or a string of digits (clients send both,
// contract §A.4). It returns 0 for no cloud. Other members are ignored.
func parseSigninBody(body []byte) (int64, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return 0, invalid(ReasonInvalidBody, "the body must be a JSON object", Violation{FieldName: "body", Message: "must be a JSON object"})
	}
	// JSON's whitespace only: bytes.TrimSpace would also drop \v and U+0085.
	if len(bytes.Trim(body[dec.InputOffset():], " \t\r\n")) > 0 {
		return 0, invalid(ReasonInvalidBody, "the body must be one JSON object", Violation{FieldName: "body", Message: "must be one JSON object"})
	}
	raw, ok := obj["_cloudId"]
	if !ok || string(raw) == "null" {
		return 0, nil
	}
	digits := string(raw)
	if strings.HasPrefix(digits, `"`) {
		if err := json.Unmarshal(raw, &digits); err != nil {
			return 0, invalid(ReasonInvalidCloudID, "_cloudId is not a valid string", Violation{FieldName: "_cloudId", Message: "is not a valid string"})
		}
	}
	id, ok := parseCloudID(digits)
	if !ok {
		return 0, invalid(ReasonInvalidCloudID, "_cloudId must be a positive 32-bit integer", Violation{FieldName: "_cloudId", Message: "must be a positive 32-bit integer"})
	}
	return id, nil
}

// parseCloudID accepts the canonical decimal form of a cloud id: digits, no
// sign, no leading zero, at most 2^31-1.
func parseCloudID(s string) (int64, bool) {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && fixtures.ValidCloudID(id)
}
