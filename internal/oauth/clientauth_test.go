package oauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
)

// clientMap is a fake oauth.ClientSource.
type clientMap map[string]fixtures.Client

func (m clientMap) LookupClient(_ context.Context, id string) (fixtures.Client, bool) {
	c, ok := m[id]
	return c.Clone(), ok
}

const (
	trickyID     = "my app:v2+100%"
	trickySecret = "p:a+s%s w/ž&=?#ü"
)

var testClients = clientMap{
	"web":    {ID: "web", Secret: "web-secret"},
	trickyID: {ID: trickyID, Secret: trickySecret},
	"colon":  {ID: "colon", Secret: "a:b:c"},
	"plus":   {ID: "plus", Secret: "a+b"},
	"spa":    {ID: "spa", Public: true},
	// An invalid registration (confidential, no secret) must still never
	// authenticate, whatever is sent.
	"broken": {ID: "broken"},
}

// basicAuth encodes credentials exactly as golang.org/x/oauth2 does
// (internal/token.go: req.SetBasicAuth(url.QueryEscape(id),
// url.QueryEscape(secret))), which RFC 6749 §2.3.1 asks for.
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// rawBasic encodes without the form-encoding step.
func rawBasic(s string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(s))
}

func tokenRequest(auth string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func TestExtractCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		auth     string
		form     url.Values
		want     oauth.Credentials
		wantCode oauth.ErrorCode
		wantDesc string
	}{
		{
			name: "Basic",
			auth: basicAuth("web", "web-secret"),
			want: oauth.Credentials{ID: "web", Secret: "web-secret", HasSecret: true, Method: oauth.AuthClientSecretBasic},
		},
		{
			name: "Basic with form-encoded special characters",
			auth: basicAuth(trickyID, trickySecret),
			want: oauth.Credentials{ID: trickyID, Secret: trickySecret, HasSecret: true, Method: oauth.AuthClientSecretBasic},
		},
		{
			name: "Basic scheme is case-insensitive and blanks are trimmed",
			auth: "bAsIc   " + strings.TrimPrefix(basicAuth("web", "s"), "Basic ") + "  ",
			want: oauth.Credentials{ID: "web", Secret: "s", HasSecret: true, Method: oauth.AuthClientSecretBasic},
		},
		{
			name: "Basic with an empty secret",
			auth: rawBasic("spa:"),
			want: oauth.Credentials{ID: "spa", Secret: "", HasSecret: true, Method: oauth.AuthClientSecretBasic},
		},
		{
			name: "Basic, secret split at the first colon only",
			auth: rawBasic("web:a:b"),
			want: oauth.Credentials{ID: "web", Secret: "a:b", HasSecret: true, Method: oauth.AuthClientSecretBasic},
		},
		{
			name: "Basic plus the same client_id in the body",
			auth: basicAuth("web", "web-secret"),
			form: url.Values{"client_id": {"web"}},
			want: oauth.Credentials{ID: "web", Secret: "web-secret", HasSecret: true, Method: oauth.AuthClientSecretBasic},
		},
		{
			name: "client_secret_post",
			form: url.Values{"client_id": {"web"}, "client_secret": {"web-secret"}},
			want: oauth.Credentials{ID: "web", Secret: "web-secret", HasSecret: true, Method: oauth.AuthClientSecretPost},
		},
		{
			name: "client_secret_post with an empty secret",
			form: url.Values{"client_id": {"spa"}, "client_secret": {""}},
			want: oauth.Credentials{ID: "spa", Secret: "", HasSecret: true, Method: oauth.AuthClientSecretPost},
		},
		{
			name: "client_id alone is a public client",
			form: url.Values{"client_id": {"spa"}},
			want: oauth.Credentials{ID: "spa", Method: oauth.AuthNone},
		},
		{
			name: "a Bearer header is not client authentication",
			auth: "Bearer abc",
			form: url.Values{"client_id": {"spa"}},
			want: oauth.Credentials{ID: "spa", Method: oauth.AuthNone},
		},
		{
			name:     "Basic and a body secret",
			auth:     basicAuth("web", "web-secret"),
			form:     url.Values{"client_secret": {"web-secret"}},
			wantCode: oauth.CodeInvalidRequest,
			wantDesc: "the client authenticated with more than one method (HTTP Basic and client_secret)",
		},
		{
			name:     "Basic and an empty body secret",
			auth:     basicAuth("web", "web-secret"),
			form:     url.Values{"client_secret": {""}},
			wantCode: oauth.CodeInvalidRequest,
			wantDesc: "the client authenticated with more than one method (HTTP Basic and client_secret)",
		},
		{
			name:     "Basic and a different body client_id",
			auth:     basicAuth("web", "web-secret"),
			form:     url.Values{"client_id": {"spa"}},
			wantCode: oauth.CodeInvalidRequest,
			wantDesc: "client_id does not match the HTTP Basic credentials",
		},
		{
			name:     "malformed base64",
			auth:     "Basic !!!not-base64",
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "base64url is not base64",
			auth:     "Basic " + base64.URLEncoding.EncodeToString([]byte("web:s\xfb\xff")),
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "Basic without a colon",
			auth:     rawBasic("web"),
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "Basic with an empty id",
			auth:     rawBasic(":secret"),
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "Basic with empty credentials",
			auth:     "Basic ",
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "Basic with a bad percent escape",
			auth:     rawBasic("web:100%"),
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "Basic with a bad percent escape inside the secret",
			auth:     rawBasic("web:se%zzcret"),
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "malformed HTTP Basic credentials",
		},
		{
			name:     "no credentials",
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "client authentication is required (HTTP Basic, or client_id and client_secret in the body)",
		},
		{
			name:     "body secret without client_id",
			form:     url.Values{"client_secret": {"web-secret"}},
			wantCode: oauth.CodeInvalidClient,
			wantDesc: "client authentication is required (HTTP Basic, or client_id and client_secret in the body)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			form := tc.form
			if form == nil {
				form = url.Values{}
			}
			got, err := oauth.ExtractCredentials(tokenRequest(tc.auth, form), form)
			if err != nil {
				// The error and its cause reach the logs: no piece of a secret.
				for cause := err; cause != nil; cause = errors.Unwrap(cause) {
					assert.NotContains(t, cause.Error(), "%zz", "the secret's text in %q", cause.Error())
				}
			}
			if tc.wantCode != "" {
				requireOAuthError(t, err, tc.wantCode, tc.wantDesc)
				assert.Zero(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	const failed = "client authentication failed"
	tests := []struct {
		name       string
		auth       string
		form       url.Values
		wantID     string
		wantMethod oauth.AuthMethod
		wantCode   oauth.ErrorCode
		wantDesc   string
	}{
		{name: "Basic", auth: basicAuth("web", "web-secret"), wantID: "web", wantMethod: oauth.AuthClientSecretBasic},
		{name: "Basic, escaped id and secret as x/oauth2 sends them", auth: basicAuth(trickyID, trickySecret), wantID: trickyID, wantMethod: oauth.AuthClientSecretBasic},
		{name: "Basic, secret with colons", auth: basicAuth("colon", "a:b:c"), wantID: "colon", wantMethod: oauth.AuthClientSecretBasic},
		{name: "Basic plus matching body client_id", auth: basicAuth("web", "web-secret"), form: url.Values{"client_id": {"web"}}, wantID: "web", wantMethod: oauth.AuthClientSecretBasic},
		{name: "client_secret_post", form: url.Values{"client_id": {"web"}, "client_secret": {"web-secret"}}, wantID: "web", wantMethod: oauth.AuthClientSecretPost},
		{name: "client_secret_post, special characters", form: url.Values{"client_id": {trickyID}, "client_secret": {trickySecret}}, wantID: trickyID, wantMethod: oauth.AuthClientSecretPost},
		{name: "public client, client_id only", form: url.Values{"client_id": {"spa"}}, wantID: "spa", wantMethod: oauth.AuthNone},
		{name: "public client, Basic with an empty secret", auth: rawBasic("spa:"), wantID: "spa", wantMethod: oauth.AuthNone},
		{name: "public client, empty body secret", form: url.Values{"client_id": {"spa"}, "client_secret": {""}}, wantID: "spa", wantMethod: oauth.AuthNone},
		{name: "public client presenting a secret in Basic", auth: basicAuth("spa", "guess"), wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "public client presenting a secret in the body", form: url.Values{"client_id": {"spa"}, "client_secret": {"guess"}}, wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "unknown client", auth: basicAuth("nobody", "web-secret"), wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "unknown public-looking client", form: url.Values{"client_id": {"nobody"}}, wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "wrong secret", auth: basicAuth("web", "wrong"), wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "secret of another client", auth: basicAuth("web", trickySecret), wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		// RFC 6749 §2.3.1 form-encodes both parts, so a raw "+" is a space.
		{name: "secret sent unescaped where escaping matters", auth: rawBasic("plus:a+b"), wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "secret with plus escaped", auth: basicAuth("plus", "a+b"), wantID: "plus", wantMethod: oauth.AuthClientSecretBasic},
		{name: "confidential client without a secret", form: url.Values{"client_id": {"web"}}, wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "confidential client with an empty Basic secret", auth: rawBasic("web:"), wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "registered without a secret, empty secret sent", form: url.Values{"client_id": {"broken"}, "client_secret": {""}}, wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "registered without a secret, nothing sent", form: url.Values{"client_id": {"broken"}}, wantCode: oauth.CodeInvalidClient, wantDesc: failed},
		{name: "Basic and a body secret", auth: basicAuth("web", "web-secret"), form: url.Values{"client_secret": {"web-secret"}}, wantCode: oauth.CodeInvalidRequest, wantDesc: "the client authenticated with more than one method (HTTP Basic and client_secret)"},
		{name: "Basic and another body client_id", auth: basicAuth("web", "web-secret"), form: url.Values{"client_id": {"spa"}}, wantCode: oauth.CodeInvalidRequest, wantDesc: "client_id does not match the HTTP Basic credentials"},
		{name: "malformed Basic", auth: "Basic %%%", wantCode: oauth.CodeInvalidClient, wantDesc: "malformed HTTP Basic credentials"},
		{name: "no credentials", wantCode: oauth.CodeInvalidClient, wantDesc: "client authentication is required (HTTP Basic, or client_id and client_secret in the body)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			form := tc.form
			if form == nil {
				form = url.Values{}
			}
			got, err := oauth.Authenticate(t.Context(), testClients, tokenRequest(tc.auth, form), form)
			if tc.wantCode != "" {
				e := requireOAuthError(t, err, tc.wantCode, tc.wantDesc)
				assert.Zero(t, got)
				if tc.wantCode == oauth.CodeInvalidClient {
					assert.Equal(t, http.StatusUnauthorized, e.StatusCode())
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantID, got.Client.ID)
			assert.Equal(t, testClients[tc.wantID], got.Client)
			assert.Equal(t, tc.wantMethod, got.Method)
		})
	}
}

// An unknown client and a wrong secret must be indistinguishable, so the
// endpoint does not reveal which client ids exist.
func TestAuthenticateUnknownClientLooksLikeWrongSecret(t *testing.T) {
	t.Parallel()
	_, unknown := oauth.AuthenticateClient(t.Context(), testClients, oauth.Credentials{ID: "nobody", Secret: "x", HasSecret: true, Method: oauth.AuthClientSecretBasic})
	_, wrong := oauth.AuthenticateClient(t.Context(), testClients, oauth.Credentials{ID: "web", Secret: "x", HasSecret: true, Method: oauth.AuthClientSecretBasic})
	require.Error(t, unknown)
	require.Error(t, wrong)
	assert.Equal(t, wrong, unknown)

	render := func(err error) (int, http.Header, string) {
		w := httptest.NewRecorder()
		oauth.RFC6749Renderer{}.WriteError(w, tokenRequest(basicAuth("a", "b"), nil), oauth.From(err))
		return w.Code, w.Header(), w.Body.String()
	}
	uc, uh, ub := render(unknown)
	wc, wh, wb := render(wrong)
	assert.Equal(t, wc, uc)
	assert.Equal(t, wh, uh)
	assert.Equal(t, wb, ub)
}

func TestSecretEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		want, got string
		equal     bool
	}{
		{name: "equal", want: "s3cret", got: "s3cret", equal: true},
		{name: "unicode equal", want: "žluťoučký", got: "žluťoučký", equal: true},
		{name: "different", want: "s3cret", got: "s3creT"},
		{name: "prefix", want: "s3cret", got: "s3cre"},
		{name: "longer", want: "s3cret", got: "s3cret "},
		{name: "empty given", want: "s3cret", got: ""},
		{name: "both empty never match", want: "", got: ""},
		{name: "empty registered secret never matches", want: "", got: "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.equal, oauth.SecretEqual(tc.want, tc.got))
		})
	}
}

// ccGrant is a client_credentials grant that issues a fixed token.
type ccGrant struct{}

func (ccGrant) Type() oauth.GrantType { return oauth.GrantClientCredentials }
func (ccGrant) AllowPublic() bool     { return false }
func (ccGrant) Handle(_ context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	return &oauth.TokenResponse{AccessToken: "at-for-" + req.Client.ID, TokenType: "Bearer", ExpiresIn: 3600}, nil
}

// TestGolangOAuth2WireCompatibility drives a real TokenEndpoint with
// golang.org/x/oauth2's clientcredentials client, in both of its auth
// styles, with ids and secrets that need escaping.
func TestGolangOAuth2WireCompatibility(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var methods []string
	te := oauth.NewTokenEndpoint(testClients, oauth.RFC6749Renderer{}, slog.New(slog.DiscardHandler), 1<<16, ccGrant{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if _, ok := r.Header["Authorization"]; ok {
			methods = append(methods, "header")
		} else {
			methods = append(methods, "body")
		}
		mu.Unlock()
		te.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name   string
		id     string
		secret string
		style  oauth2.AuthStyle
		method string
	}{
		{name: "header, plain", id: "web", secret: "web-secret", style: oauth2.AuthStyleInHeader, method: "header"},
		{name: "header, escaped", id: trickyID, secret: trickySecret, style: oauth2.AuthStyleInHeader, method: "header"},
		{name: "header, colons", id: "colon", secret: "a:b:c", style: oauth2.AuthStyleInHeader, method: "header"},
		{name: "params, escaped", id: trickyID, secret: trickySecret, style: oauth2.AuthStyleInParams, method: "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := clientcredentials.Config{ClientID: tc.id, ClientSecret: tc.secret, TokenURL: srv.URL, AuthStyle: tc.style}
			ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())
			tok, err := cfg.Token(ctx)
			require.NoError(t, err)
			assert.Equal(t, "at-for-"+tc.id, tok.AccessToken)
			assert.Equal(t, "Bearer", tok.TokenType)

			mu.Lock()
			last := methods[len(methods)-1]
			mu.Unlock()
			assert.Equal(t, tc.method, last)

			cfg.ClientSecret = "wrong"
			_, err = cfg.Token(ctx)
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "invalid_client", re.ErrorCode)
			assert.Equal(t, http.StatusUnauthorized, re.Response.StatusCode)
		})
	}
}
