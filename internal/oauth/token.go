package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
)

// TokenResponse is the RFC 6749 §5.1 success body. ExpiresIn is in whole
// seconds, as clients expect.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	// Extra holds dialect-specific members, merged into the body.
	Extra map[string]any `json:"-"`
}

// MarshalJSON merges Extra into the standard members; standard members
// win.
func (t TokenResponse) MarshalJSON() ([]byte, error) {
	return t.encode(make([]byte, 0, 160+len(t.AccessToken)+len(t.RefreshToken)+len(t.IDToken)+len(t.Scope)))
}

// encode appends the body to dst. Without Extra it writes the members by
// hand (appendPlain); a MarshalJSON result is re-scanned (compacted) byte
// by byte by encoding/json, which costs more than signing an HS256 token.
func (t TokenResponse) encode(dst []byte) ([]byte, error) {
	if len(t.Extra) == 0 {
		return t.appendPlain(dst), nil
	}
	type plain TokenResponse
	b, err := json.Marshal(plain(t))
	if err != nil {
		return nil, err
	}
	var merged map[string]any
	if err := json.Unmarshal(b, &merged); err != nil {
		return nil, err
	}
	for k, v := range t.Extra {
		if _, taken := merged[k]; !taken {
			merged[k] = v
		}
	}
	b, err = json.Marshal(merged)
	return append(dst, b...), err
}

// appendPlain writes the members json.Marshal writes for the struct's
// tags, in their order, without its reflection: a token response is
// written on every token request.
func (t TokenResponse) appendPlain(b []byte) []byte {
	b = append(b, `{"access_token":`...)
	b = httpx.AppendJSONString(b, t.AccessToken)
	b = append(b, `,"token_type":`...)
	b = httpx.AppendJSONString(b, t.TokenType)
	if t.ExpiresIn != 0 {
		b = append(b, `,"expires_in":`...)
		b = strconv.AppendInt(b, t.ExpiresIn, 10)
	}
	for _, m := range [...]struct{ name, v string }{
		{`,"refresh_token":`, t.RefreshToken}, {`,"scope":`, t.Scope}, {`,"id_token":`, t.IDToken},
	} {
		if m.v != "" {
			b = append(b, m.name...)
			b = httpx.AppendJSONString(b, m.v)
		}
	}
	return append(b, '}')
}

// TokenRequest is a parsed, client-authenticated token request.
type TokenRequest struct {
	GrantType GrantType
	Form      url.Values
	Client    fixtures.Client
	// AuthMethod is how the client authenticated.
	AuthMethod AuthMethod
	HTTP       *http.Request
}

// Grant handles one grant_type. The token endpoint has done everything the
// grants share (method, form, duplicates, client authentication, the
// client's permission to use the grant) before Handle is called, so a grant
// cannot forget one of those steps.
type Grant interface {
	Type() GrantType
	// AllowPublic reports whether public clients (no secret) may use it.
	AllowPublic() bool
	Handle(ctx context.Context, req *TokenRequest) (*TokenResponse, error)
}

// TokenEndpoint is an RFC 6749 §3.2 token endpoint dispatching to grants.
type TokenEndpoint struct {
	handler RouteHandler
	grants  map[GrantType]Grant
	clients ClientSource
	maxBody int64
}

// NewTokenEndpoint builds a token endpoint serving the given grants.
func NewTokenEndpoint(clients ClientSource, renderer ErrorRenderer, logger *slog.Logger, maxBody int64, grants ...Grant) *TokenEndpoint {
	te := &TokenEndpoint{grants: map[GrantType]Grant{}, clients: clients, maxBody: maxBody}
	for _, g := range grants {
		te.grants[g.Type()] = g
	}
	te.handler = Handle(logger, renderer, te.serve)
	return te
}

// ErrorRenderer implements RouteHandler: the route of a token endpoint
// answers in the renderer it was built with.
func (te *TokenEndpoint) ErrorRenderer() ErrorRenderer { return te.handler.ErrorRenderer() }

// ServeHTTP implements http.Handler.
func (te *TokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	te.handler.ServeHTTP(w, r)
}

func (te *TokenEndpoint) serve(w http.ResponseWriter, r *http.Request) error {
	// The client authenticates before anything about the grant is
	// answered, so an unauthenticated caller learns nothing of which
	// grants are enabled.
	form, client, err := ReadClientRequest(w, r, te.clients, te.maxBody, "the token endpoint")
	if err != nil {
		return err
	}
	gt := GrantType(form.Get("grant_type"))
	if gt == "" {
		return InvalidRequest("grant_type is required")
	}
	grant, ok := te.grants[gt]
	if !ok {
		return UnsupportedGrantType("grant_type %q is not supported", gt)
	}
	if client.Method == AuthNone && !grant.AllowPublic() {
		return UnauthorizedClient("a public client cannot use grant_type %q", gt)
	}
	if !client.Client.AllowsGrant(string(gt)) {
		return UnauthorizedClient("the client is not allowed to use grant_type %q", gt)
	}
	resp, err := grant.Handle(r.Context(), &TokenRequest{GrantType: gt, Form: form, Client: client.Client, AuthMethod: client.Method, HTTP: r})
	if err != nil {
		return err
	}
	WriteToken(w, resp)
	return nil
}

// WriteToken writes a token response with the no-store headers RFC 6749
// §5.1 requires. resp is a *TokenResponse or a dialect's own body type.
func WriteToken(w http.ResponseWriter, resp any) {
	httpx.NoStore(w)
	t, ok := resp.(*TokenResponse)
	if !ok {
		httpx.WriteJSON(w, http.StatusOK, resp)
		return
	}
	// A pooled buffer: Write never keeps what it is given.
	bp := tokenBufs.Get().(*[]byte)
	body, err := t.encode((*bp)[:0])
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	httpx.WriteJSONBytes(w, http.StatusOK, body)
	if cap(body) <= maxPooledTokenBuf {
		*bp = body[:0]
		tokenBufs.Put(bp)
	}
}

// tokenBufs holds the buffers WriteToken writes token responses into;
// one grown past maxPooledTokenBuf (a huge ID token) is left to the
// collector.
var tokenBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledTokenBuf = 16 << 10

// ReadClientRequest does what every endpoint a client calls with its
// credentials shares (token, introspection, revocation): POST only (405
// with Allow otherwise), a strictly parsed form body, and client
// authentication. endpoint names the endpoint in the 405 description.
func ReadClientRequest(w http.ResponseWriter, r *http.Request, clients ClientSource, maxBody int64, endpoint string) (url.Values, AuthenticatedClient, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, AuthenticatedClient{}, InvalidRequest("%s accepts POST only", endpoint).WithStatus(http.StatusMethodNotAllowed)
	}
	form, err := ReadForm(r, maxBody)
	if err != nil {
		return nil, AuthenticatedClient{}, err
	}
	client, err := Authenticate(r.Context(), clients, r, form)
	if err != nil {
		return nil, AuthenticatedClient{}, err
	}
	return form, client, nil
}

// Authenticate extracts and checks the client credentials of r.
func Authenticate(ctx context.Context, clients ClientSource, r *http.Request, form url.Values) (AuthenticatedClient, error) {
	creds, err := ExtractCredentials(r, form)
	if err != nil {
		return AuthenticatedClient{}, err
	}
	return AuthenticateClient(ctx, clients, creds)
}

// ReadForm reads a form-encoded body and maps transport failures to
// invalid_request, the RFC 6749 code for a malformed request.
func ReadForm(r *http.Request, limit int64) (url.Values, error) {
	form, err := httpx.ReadForm(r, limit)
	var dup *httpx.DuplicateParamError
	switch {
	case errors.Is(err, httpx.ErrNotForm):
		return nil, InvalidRequest("the request body must be application/x-www-form-urlencoded").WithStatus(http.StatusBadRequest)
	case errors.Is(err, httpx.ErrBodyTooLarge):
		return nil, InvalidRequest("the request body is too large").WithStatus(http.StatusRequestEntityTooLarge)
	case errors.Is(err, httpx.ErrMalformedForm):
		return nil, InvalidRequest("the request body is not valid form encoding")
	case err != nil:
		return nil, InvalidRequest("the request body could not be read").WithCause(err)
	}
	if err := httpx.RejectDuplicates(withoutRepeatable(form)); errors.As(err, &dup) {
		return nil, InvalidRequest("parameter %q was sent more than once", dup.Name)
	}
	return form, nil
}

var _ RouteHandler = (*TokenEndpoint)(nil)
