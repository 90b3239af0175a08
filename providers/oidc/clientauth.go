package oidc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// Client assertions (RFC 7523 §2.2) are judged with this much clock skew,
// and refused when they live longer than maxAssertionLifetime, which bounds
// how long a used jti is remembered.
const (
	assertionLeeway      = 30 * time.Second
	maxAssertionLifetime = time.Hour
)

// clientRegistry is the directory as the token, introspection and
// revocation endpoints see it: it also accepts RFC 7523 client assertions.
type clientRegistry struct {
	*directory.Directory
	policy *oauth.AssertionPolicy
}

// ClientAssertions implements oauth.AssertionSource.
func (c clientRegistry) ClientAssertions() *oauth.AssertionPolicy { return c.policy }

// newClientRegistry wires client assertions to the instance: its token
// endpoint and issuer as audiences, its clock, and its store for used jti
// values (expiring with each assertion, shared by replicas on one Redis).
func (p *Provider) newClientRegistry() clientRegistry {
	return clientRegistry{Directory: p.dir, policy: &oauth.AssertionPolicy{
		Audiences:   []string{p.url(PathToken), p.deps.Issuer},
		Now:         p.deps.Clock.Now,
		Leeway:      assertionLeeway,
		MaxLifetime: maxAssertionLifetime,
		Replay:      oauth.StoreReplay{Records: p.deps.Store, Prefix: "client_assertion_jti/"},
		PublicKeys: func(_ context.Context, c fixtures.Client) ([]*jwtutil.Key, error) {
			return p.keySets.load(c.JWKS, c.JWKSFile)
		},
	}}
}

// clientKeys reads a client's registered public keys, its inline jwks or
// its jwks_file, without the instance's cache: the start-up check.
func clientKeys(c fixtures.Client, baseDir string) ([]*jwtutil.Key, error) {
	return (&publicKeySets{baseDir: baseDir}).load(c.JWKS, c.JWKSFile)
}

// authMethods are the token_endpoint_auth_method values a client may pin.
var authMethods = []string{
	string(oauth.AuthClientSecretBasic), string(oauth.AuthClientSecretPost),
	string(oauth.AuthClientSecretJWT), string(oauth.AuthPrivateKeyJWT), string(oauth.AuthNone),
}

// checkClientAuth applies the rules of a client's authentication method
// and keys, with paths relative to the client.
func checkClientAuth(c fixtures.Client) fixtures.Problems {
	var ps fixtures.Problems
	m := oauth.AuthMethod(c.TokenEndpointAuthMethod)
	switch {
	case c.TokenEndpointAuthMethod == "":
	case !slices.Contains(authMethods, c.TokenEndpointAuthMethod):
		ps.Add("token_endpoint_auth_method", "unknown method %q (have %v)", c.TokenEndpointAuthMethod, authMethods)
	case m == oauth.AuthNone && !c.Public, m != oauth.AuthNone && c.Public:
		ps.Add("token_endpoint_auth_method", "%q does not fit a client whose public is %t", m, c.Public)
	case m == oauth.AuthPrivateKeyJWT && len(c.JWKS) == 0 && c.JWKSFile == "":
		ps.Add("token_endpoint_auth_method", "private_key_jwt needs the client's public keys in jwks or jwks_file")
	}
	if len(c.JWKS) > 0 && c.JWKSFile != "" {
		ps.Add("jwks_file", "give jwks or jwks_file, not both")
	}
	if len(c.JWKS) > 0 {
		if _, err := oauth.ParseClientJWKS(c.JWKS); err != nil {
			ps.Add("jwks", "%s", err.Error())
		}
	}
	return ps
}

// checkClientKeyFiles reads every configured client's jwks_file once at
// start-up, so a missing or broken file is a configuration error rather
// than a failed authentication later.
func checkClientKeyFiles(clients []fixtures.Client, baseDir string) error {
	var errs []error
	for i, c := range clients {
		if c.JWKSFile == "" {
			continue
		}
		if _, err := clientKeys(c, baseDir); err != nil {
			errs = append(errs, fmt.Errorf("clients[%d].jwks_file: %w", i, err))
		}
	}
	return errors.Join(errs...)
}
