package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/authmock/authmock/fixtures"
)

// ClientSource looks clients up by id. Providers implement it over their
// (runtime-changeable) client registry.
type ClientSource interface {
	LookupClient(ctx context.Context, id string) (fixtures.Client, bool)
}

// AuthenticatedClient is the outcome of client authentication.
type AuthenticatedClient struct {
	Client fixtures.Client
	Method AuthMethod
}

// Credentials are what a request presented, before they are checked.
type Credentials struct {
	ID        string
	Secret    string
	HasSecret bool
	Method    AuthMethod
	// Assertion is an RFC 7523 client assertion, not yet verified; ID is
	// then its sub.
	Assertion string
}

// ExtractCredentials finds the client credentials of a token-endpoint style
// request: HTTP Basic (both parts form-unescaped, as RFC 6749 §2.3.1 and
// golang.org/x/oauth2 encode them), or client_id and client_secret in the
// form body, or client_id alone for a public client. Using Basic and a body
// secret together is invalid_request (§2.3.1: one method only); a body
// client_id that differs from the Basic one likewise.
func ExtractCredentials(r *http.Request, form url.Values) (Credentials, error) {
	if n := len(r.Header.Values("Authorization")); n > 1 {
		return Credentials{}, InvalidRequest("the request carries %d Authorization headers; send one", n)
	}
	bodyID, bodySecret := form.Get("client_id"), form.Get("client_secret")
	_, hasBodySecret := form["client_secret"]
	raw, hasBasic := basicCredentials(r)
	if form["client_assertion"] != nil || form["client_assertion_type"] != nil {
		return extractAssertion(hasBasic, form)
	}
	if hasBasic {
		if hasBodySecret {
			return Credentials{}, InvalidRequest("the client authenticated with more than one method (HTTP Basic and client_secret)")
		}
		id, secret, err := decodeBasic(raw)
		if err != nil {
			return Credentials{}, InvalidClient("malformed HTTP Basic credentials").WithCause(err)
		}
		if bodyID != "" && bodyID != id {
			return Credentials{}, InvalidRequest("client_id does not match the HTTP Basic credentials")
		}
		return Credentials{ID: id, Secret: secret, HasSecret: true, Method: AuthClientSecretBasic}, nil
	}
	if bodyID == "" {
		return Credentials{}, InvalidClient("client authentication is required (HTTP Basic, or client_id and client_secret in the body)")
	}
	if hasBodySecret {
		return Credentials{ID: bodyID, Secret: bodySecret, HasSecret: true, Method: AuthClientSecretPost}, nil
	}
	return Credentials{ID: bodyID, Method: AuthNone}, nil
}

func basicCredentials(r *http.Request) (string, bool) {
	vs := r.Header.Values("Authorization")
	if len(vs) != 1 {
		return "", false // several: ExtractCredentials refuses them
	}
	scheme, rest, ok := strings.Cut(vs[0], " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// decodeBasic decodes base64(urlencode(id):urlencode(secret)).
func decodeBasic(raw string) (id, secret string, err error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return "", "", err
	}
	rawID, rawSecret, ok := strings.Cut(string(b), ":")
	if !ok {
		return "", "", errMissingColon
	}
	if id, err = formUnescape(rawID); err != nil {
		return "", "", err
	}
	// url.EscapeError quotes the bad escape, which is part of the secret
	// and would reach the logs as this error's cause.
	if secret, err = formUnescape(rawSecret); err != nil {
		return "", "", errSecretEscape
	}
	if id == "" {
		return "", "", errMissingColon
	}
	return id, secret, nil
}

// formUnescape is url.QueryUnescape, which RFC 6749 §2.3.1 applies to
// Basic credentials, returning s itself when it has nothing to unescape
// (almost every client id and secret).
func formUnescape(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	return url.QueryUnescape(s)
}

type basicError string

func (e basicError) Error() string { return string(e) }

const (
	errMissingColon = basicError("basic credentials are not id:secret")
	errSecretEscape = basicError("the basic credentials' secret is not form-urlencoded")
)

// AuthenticateClient checks credentials against the registered clients. A
// confidential client must present its secret; a public client must not
// present one. Unknown clients and wrong secrets are the same invalid_client,
// so the response does not reveal which client ids exist.
func AuthenticateClient(ctx context.Context, clients ClientSource, creds Credentials) (AuthenticatedClient, error) {
	client, ok := clients.LookupClient(ctx, creds.ID)
	if !ok {
		return AuthenticatedClient{}, InvalidClient("client authentication failed")
	}
	if creds.Assertion != "" {
		return authenticateAssertion(ctx, clients, client, creds)
	}
	// A client that pins its method (token_endpoint_auth_method) may use
	// no other; an unpinned one keeps every method its credentials allow.
	if client.TokenEndpointAuthMethod != "" && !MethodAllowed(client, creds.Method) {
		return AuthenticatedClient{}, InvalidClient("the client must authenticate with %s", client.TokenEndpointAuthMethod)
	}
	switch {
	case client.Public && creds.HasSecret && creds.Secret != "":
		return AuthenticatedClient{}, InvalidClient("client authentication failed")
	case client.Public:
		return AuthenticatedClient{Client: client, Method: AuthNone}, nil
	case !creds.HasSecret:
		return AuthenticatedClient{}, InvalidClient("client authentication failed")
	case !SecretEqual(client.Secret, creds.Secret):
		return AuthenticatedClient{}, InvalidClient("client authentication failed")
	}
	return AuthenticatedClient{Client: client, Method: creds.Method}, nil
}

// SecretEqual compares secrets in constant time. Hashing first makes the
// comparison independent of the lengths too.
func SecretEqual(want, got string) bool {
	w, g := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(w[:], g[:]) == 1 && want != ""
}
