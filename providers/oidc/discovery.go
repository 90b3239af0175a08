package oidc

import (
	"net/http"
	"slices"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
)

// metadata is the discovery document (OIDC Discovery §3, RFC 8414 §2). It
// lists only what the instance really supports, because clients choose
// their behaviour from it.
func (p *Provider) metadata() map[string]any {
	alg := string(p.keys.Active().Alg())
	authMethods := []string{string(oauth.AuthClientSecretBasic), string(oauth.AuthClientSecretPost),
		string(oauth.AuthClientSecretJWT), string(oauth.AuthPrivateKeyJWT)}
	pkce := []string{oauth.PKCES256}
	if p.cfg.AllowPlainPKCE {
		pkce = append(pkce, oauth.PKCEPlain)
	}
	md := map[string]any{
		"issuer":                                        p.deps.Issuer,
		"authorization_endpoint":                        p.url(PathAuthorize),
		"token_endpoint":                                p.url(PathToken),
		"userinfo_endpoint":                             p.url(PathUserinfo),
		"jwks_uri":                                      p.url(PathJWKS),
		"introspection_endpoint":                        p.url(PathIntrospect),
		"revocation_endpoint":                           p.url(PathRevoke),
		"end_session_endpoint":                          p.url(PathEndSession),
		"pushed_authorization_request_endpoint":         p.url(PathPAR),
		"require_pushed_authorization_requests":         p.cfg.RequirePushedAuthorizationRequests,
		"response_types_supported":                      []string{oauth.ResponseTypeCode},
		"response_modes_supported":                      []string{"query"},
		"grant_types_supported":                         p.cfg.GrantTypes,
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         []string{alg},
		"userinfo_signing_alg_values_supported":         []string{"none"},
		"token_endpoint_auth_methods_supported":         slices.Concat(authMethods, []string{string(oauth.AuthNone)}),
		"introspection_endpoint_auth_methods_supported": authMethods,
		"revocation_endpoint_auth_methods_supported":    slices.Concat(authMethods, []string{string(oauth.AuthNone)}),
		"code_challenge_methods_supported":              pkce,
		// RFC 7523 client assertions (clientauth.go), at every endpoint
		// that authenticates clients.
		"token_endpoint_auth_signing_alg_values_supported":         oauth.AssertionSigningAlgs,
		"introspection_endpoint_auth_signing_alg_values_supported": oauth.AssertionSigningAlgs,
		"revocation_endpoint_auth_signing_alg_values_supported":    oauth.AssertionSigningAlgs,
		"scopes_supported": p.scopes,
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "sid",
			"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
			"website", "gender", "birthdate", "zoneinfo", "locale", "updated_at", "email", "email_verified",
			"phone_number", "phone_number_verified", "address"},
		"prompt_values_supported":                        []string{"none", "login", "consent", "select_account"},
		"claims_parameter_supported":                     false,
		"request_parameter_supported":                    false,
		"request_uri_parameter_supported":                false,
		"authorization_response_iss_parameter_supported": true,
		"backchannel_logout_supported":                   false,
		"frontchannel_logout_supported":                  false,
	}
	if p.deviceEnabled() {
		md["device_authorization_endpoint"] = p.url(PathDeviceAuthorization) // RFC 8628 §4
	}
	return p.withDPoPMetadata(md)
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpx.WriteJSONBytes(w, http.StatusOK, p.discovery)
	return nil
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(p.keys.JWKS())
	return nil
}
