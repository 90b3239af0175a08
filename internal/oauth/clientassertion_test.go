package oauth_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
)

func TestMethodAllowed(t *testing.T) {
	jwks := json.RawMessage(`{"keys":[]}`)
	all := []oauth.AuthMethod{oauth.AuthNone, oauth.AuthClientSecretBasic, oauth.AuthClientSecretPost, oauth.AuthClientSecretJWT, oauth.AuthPrivateKeyJWT}
	tests := []struct {
		name   string
		client fixtures.Client
		want   []oauth.AuthMethod
	}{
		{"unpinned secret", fixtures.Client{ID: "a", Secret: "s"}, []oauth.AuthMethod{oauth.AuthClientSecretBasic, oauth.AuthClientSecretPost, oauth.AuthClientSecretJWT}},
		{"unpinned secret and keys", fixtures.Client{ID: "a", Secret: "s", JWKS: jwks}, []oauth.AuthMethod{oauth.AuthClientSecretBasic, oauth.AuthClientSecretPost, oauth.AuthClientSecretJWT, oauth.AuthPrivateKeyJWT}},
		{"unpinned keys file only", fixtures.Client{ID: "a", JWKSFile: "k.json"}, []oauth.AuthMethod{oauth.AuthPrivateKeyJWT}},
		{"pinned client_secret_jwt", fixtures.Client{ID: "a", Secret: "s", TokenEndpointAuthMethod: "client_secret_jwt"}, []oauth.AuthMethod{oauth.AuthClientSecretJWT}},
		{"pinned private_key_jwt", fixtures.Client{ID: "a", Secret: "s", JWKS: jwks, TokenEndpointAuthMethod: "private_key_jwt"}, []oauth.AuthMethod{oauth.AuthPrivateKeyJWT}},
		{"public, even with keys", fixtures.Client{ID: "a", Public: true, JWKS: jwks}, []oauth.AuthMethod{oauth.AuthNone}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []oauth.AuthMethod
			for _, m := range all {
				if oauth.MethodAllowed(tc.client, m) {
					got = append(got, m)
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
