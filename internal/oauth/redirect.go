package oauth

import (
	"net/http"
	"net/url"
	"slices"
)

// MatchRedirectURI reports whether uri is one of the registered URIs,
// compared character for character: no normalisation, no prefix or
// wildcard matching (RFC 6749 §3.1.2.3, OAuth 2.0 Security BCP §4.1.3).
func MatchRedirectURI(registered []string, uri string) bool {
	return uri != "" && slices.Contains(registered, uri)
}

// ResolveRedirectURI picks the redirect URI of an authorization request: the
// one sent if it is registered, or the only registered one when none was
// sent (RFC 6749 §3.1.2.3). ok is false when no URI can be trusted, in which
// case the server must not redirect at all (§4.1.2.1).
func ResolveRedirectURI(registered []string, sent string) (uri string, ok bool) {
	if sent == "" {
		if len(registered) == 1 {
			return registered[0], true
		}
		return "", false
	}
	return sent, MatchRedirectURI(registered, sent)
}

// AppendQuery returns uri with params added to its query, keeping the query
// it already has (RFC 6749 §3.1.2: the endpoint URI "MAY include" a query
// component, which MUST be retained).
func AppendQuery(uri string, params url.Values) string {
	u, err := url.Parse(uri)
	extra := params.Encode()
	if err != nil || extra == "" {
		return uri
	}
	// The existing query is kept byte for byte: re-encoding it would reorder
	// it and silently drop pairs Go cannot parse (such as a=1;b=2).
	if u.RawQuery == "" {
		u.RawQuery = extra
	} else {
		u.RawQuery += "&" + extra
	}
	u.ForceQuery = false
	return u.String()
}

// RedirectError sends an authorization error back to the client in the
// redirect URI's query (RFC 6749 §4.1.2.1): error, error_description when
// there is one, state when the request sent one, and any extra parameters
// (RFC 9207's iss). Only for a client and redirect URI already trusted;
// otherwise the user must be told on a page instead.
func RedirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, err error, extra url.Values) {
	e := From(err)
	params := url.Values{"error": {string(e.Code)}}
	if e.Description != "" {
		params.Set("error_description", e.Description)
	}
	if state != "" {
		params.Set("state", state)
	}
	for k, vs := range extra {
		params[k] = vs
	}
	http.Redirect(w, r, AppendQuery(redirectURI, params), http.StatusFound)
}
