package oidc

import (
	"slices"

	"github.com/authmock/authmock/fixtures"
)

// scopeClaims maps the OpenID scopes to the standard claims they release
// (OIDC Core §5.4).
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// isStandardClaim reports whether a claim belongs to one of the scopes
// above; any other claim a fixture declares (groups, roles, tenant) is
// custom and always released, which is what people configuring a mock
// expect.
func isStandardClaim(name string) bool {
	for _, names := range scopeClaims {
		if slices.Contains(names, name) {
			return true
		}
	}
	return false
}

// userClaims returns the claims of u released by scopes. sub is not
// included; callers set it.
func userClaims(u fixtures.User, scopes []string) map[string]any {
	out := map[string]any{}
	for name, v := range u.Claims {
		if name == "sub" {
			continue
		}
		if !isStandardClaim(name) {
			out[name] = v
		}
	}
	for _, s := range scopes {
		for _, name := range scopeClaims[s] {
			if v, ok := u.Claims[name]; ok {
				out[name] = v
			}
		}
	}
	if slices.Contains(scopes, "profile") {
		if _, ok := out["preferred_username"]; !ok {
			out["preferred_username"] = u.Username
		}
	}
	return out
}
