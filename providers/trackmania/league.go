package trackmania

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// The token endpoint answers errors as league/oauth2-server 8.x does
// (OAuthServerException::generateHttpResponse): error, error_description
// (league's fixed text for the error), hint (what went wrong, when there
// is something to say) and message (error_description again: deprecated in
// league, still sent, and what older clients read).
type leagueBody struct {
	Error       oauth.ErrorCode `json:"error"`
	Description string          `json:"error_description"`
	Hint        string          `json:"hint,omitempty"`
	Message     string          `json:"message"`
}

// league's texts, by error.
const (
	leagueInvalidRequest = "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed."
	leagueInvalidClient  = "Client authentication failed"
	leagueInvalidScope   = "The requested scope is invalid, unknown, or malformed"
	leagueInvalidGrant   = "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
	leagueUnsupported    = "The authorization grant type is not supported by the authorization server."
	leagueRefreshInvalid = "The refresh token is invalid."
	leagueServerError    = "The authorization server encountered an unexpected condition which prevented it from fulfilling the request: "
	leagueAccessDenied   = "The resource owner or authorization server denied the request."
)

// leagueRenderer writes the token endpoint's errors. The dialect's grants
// put league's hint in the error's description; errors of the shared token
// endpoint are translated to what league answers for the same request.
type leagueRenderer struct{}

// WriteError implements oauth.ErrorRenderer.
func (leagueRenderer) WriteError(w http.ResponseWriter, r *http.Request, e *oauth.Error) {
	code, status, desc, hint := e.Code, e.StatusCode(), "", e.Description
	switch {
	case code == oauth.CodeInvalidClient && strings.HasPrefix(e.Description, "client authentication is required"):
		// No client_id at all: league asks for the parameter
		// (AbstractGrant::getClientCredentials).
		code, status, desc, hint = oauth.CodeInvalidRequest, http.StatusBadRequest, leagueInvalidRequest, "Check the `client_id` parameter"
	case code == oauth.CodeInvalidClient, code == oauth.CodeUnauthorizedClient:
		// league answers a client that may not use a grant as it answers
		// a wrong secret (ClientRepository::validateClient).
		code, status, desc, hint = oauth.CodeInvalidClient, http.StatusUnauthorized, leagueInvalidClient, ""
	case code == oauth.CodeUnsupportedGrantType,
		code == oauth.CodeInvalidRequest && e.Description == "grant_type is required":
		// No grant can answer a missing grant_type either.
		code, status, desc, hint = oauth.CodeUnsupportedGrantType, http.StatusBadRequest, leagueUnsupported, "Check the `grant_type` parameter"
	case code == oauth.CodeInvalidRequest && status == http.StatusUnauthorized:
		desc = leagueRefreshInvalid // OAuthServerException::invalidRefreshToken
	case code == oauth.CodeInvalidRequest:
		desc = leagueInvalidRequest
	case code == oauth.CodeInvalidScope:
		desc = leagueInvalidScope
	case code == oauth.CodeInvalidGrant:
		desc = leagueInvalidGrant
	case code == oauth.CodeAccessDenied:
		desc = leagueAccessDenied
	case code == oauth.CodeServerError:
		desc, hint = leagueServerError+e.Description, ""
	default:
		desc, hint = e.Description, "" // an injected fault league has no text for
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if code == oauth.CodeInvalidClient && usedBasic(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="OAuth"`)
	}
	httpx.NoStore(w)
	httpx.WriteJSON(w, status, leagueBody{Error: code, Description: desc, Hint: hint, Message: desc})
}

func usedBasic(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Basic")
}

// league's errors, as the grants raise them; the description is the hint.

// invalidRequestParam is OAuthServerException::invalidRequest($param):
// 400 invalid_request, hint "Check the `param` parameter".
func invalidRequestParam(param string) *oauth.Error {
	return oauth.InvalidRequest("%s", fmt.Sprintf("Check the `%s` parameter", param))
}

// invalidRequestHint is invalidRequest($param, $hint).
func invalidRequestHint(hint string) *oauth.Error { return oauth.InvalidRequest("%s", hint) }

// invalidRefreshToken is OAuthServerException::invalidRefreshToken($hint)
// in league 8: 401 invalid_request "The refresh token is invalid.".
func invalidRefreshToken(hint string) *oauth.Error {
	return oauth.InvalidRequest("%s", hint).WithStatus(http.StatusUnauthorized)
}

// invalidScopeHint is OAuthServerException::invalidScope($scope).
func invalidScopeHint(scope string) *oauth.Error {
	return oauth.InvalidScope("%s", fmt.Sprintf("Check the `%s` scope", scope))
}

// The hints league gives for codes and refresh tokens.
const (
	hintCodeUnknown     = "Cannot decrypt the authorization code"
	hintCodeExpired     = "Authorization code has expired"
	hintCodeRevoked     = "Authorization code has been revoked"
	hintCodeOtherClient = "Authorization code was not issued to this client"
	hintRedirectURI     = "Invalid redirect URI"
	hintRefreshUnknown  = "Cannot decrypt the refresh token"
	hintRefreshClient   = "Token is not linked to client"
	hintRefreshExpired  = "Token has expired"
	hintRefreshRevoked  = "Token has been revoked"
	hintVerifierFailed  = "Failed to verify `code_verifier`."
)

var _ oauth.ErrorRenderer = leagueRenderer{}
