package authcode

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/authmock/authmock/internal/httpx"
)

// Request is a validated authorization request, kept server-side while the
// login page waits for the user.
type Request struct {
	ClientID            string   `json:"client_id"`
	RedirectURI         string   `json:"redirect_uri"`      // where to send the response
	RedirectURISent     string   `json:"redirect_uri_sent"` // as sent; "" when omitted
	Scopes              []string `json:"scopes,omitempty"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
	LoginHint           string   `json:"login_hint,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	// DPoPJKT is the thumbprint of the DPoP key the code is bound to (RFC
	// 9449 §10): the dpop_jkt parameter, or a pushed request's proof.
	DPoPJKT string `json:"dpop_jkt,omitempty"`
}

// ErrBadEncoding is a query string that is not valid URL encoding.
var ErrBadEncoding = errors.New("the query string is not valid URL encoding")

// Params reads an authorization request's parameters: the query, or with
// post the form body of a POST. A parameter may appear once (RFC 6749
// §3.1): which of two client_ids or redirect_uris to trust cannot be
// decided. The error is ErrBadEncoding, an *httpx.DuplicateParamError or
// the form reader's.
func Params(r *http.Request, post bool, limit int64) (url.Values, error) {
	var params url.Values
	if post && r.Method == http.MethodPost {
		form, err := httpx.ReadForm(r, limit)
		if err != nil {
			return nil, err
		}
		params = form
	} else {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, ErrBadEncoding
		}
		params = q
	}
	if err := httpx.RejectDuplicates(params); err != nil {
		return nil, err
	}
	return params, nil
}

// TokenParams are the token request's parameters the kit's grants read,
// taken from the form once.
type TokenParams struct {
	Code, RedirectURI, CodeVerifier string // RFC 6749 §4.1.3, RFC 7636 §4.5
	RefreshToken                    string // RFC 6749 §6
	Scope                           string
}

// ReadTokenParams reads the kit's parameters from a token request's form.
func ReadTokenParams(form url.Values) TokenParams {
	return TokenParams{
		Code:         form.Get("code"),
		RedirectURI:  form.Get("redirect_uri"),
		CodeVerifier: form.Get("code_verifier"),
		RefreshToken: form.Get("refresh_token"),
		Scope:        form.Get("scope"),
	}
}
