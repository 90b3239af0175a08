package oauth

// GrantType is a grant_type value (RFC 6749 §4).
type GrantType string

// Grant types.
const (
	GrantAuthorizationCode GrantType = "authorization_code"
	GrantRefreshToken      GrantType = "refresh_token"
	GrantClientCredentials GrantType = "client_credentials"
	GrantPassword          GrantType = "password"
	// GrantDeviceCode redeems a device code (RFC 8628 §3.4).
	GrantDeviceCode GrantType = "urn:ietf:params:oauth:grant-type:device_code"
)

// Response types (RFC 6749 §3.1.1).
const (
	ResponseTypeCode  = "code"
	ResponseTypeToken = "token"
)

// AuthMethod is how a client authenticated at the token endpoint, named as in
// RFC 7591 token_endpoint_auth_method.
type AuthMethod string

// Client authentication methods.
const (
	AuthNone              AuthMethod = "none"
	AuthClientSecretBasic AuthMethod = "client_secret_basic"
	AuthClientSecretPost  AuthMethod = "client_secret_post"
)

// PKCE methods (RFC 7636 §4.2).
const (
	PKCEPlain = "plain"
	PKCES256  = "S256"
)

// Token type hints (RFC 7009 §2.1).
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)
