package oauth

import (
	"slices"
	"strings"
)

// ParseScope splits a scope parameter on spaces (RFC 6749 §3.3), dropping
// empty items and duplicates while keeping the order.
func ParseScope(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, " ") {
		if item != "" && !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// FormatScope joins scopes with spaces.
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }

// ValidScopeToken reports whether s uses only the characters RFC 6749 §3.3
// allows in a scope token: %x21 / %x23-5B / %x5D-7E.
func ValidScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E {
			return false
		}
	}
	return true
}

// CheckScopes returns an invalid_scope error for the first requested scope
// that is malformed or not allowed. allowed empty means any well-formed
// scope.
func CheckScopes(requested, allowed []string) error {
	for _, s := range requested {
		if !ValidScopeToken(s) {
			return InvalidScope("scope %q contains characters RFC 6749 §3.3 does not allow", s)
		}
		if len(allowed) > 0 && !slices.Contains(allowed, s) {
			return InvalidScope("scope %q is not allowed for this client", s)
		}
	}
	return nil
}

// Narrow returns requested when every item is in granted, for a refresh
// that may only keep or narrow the original scope (RFC 6749 §6). An empty
// request keeps the whole grant.
func Narrow(granted, requested []string) ([]string, error) {
	if len(requested) == 0 {
		return slices.Clone(granted), nil
	}
	for _, s := range requested {
		if !slices.Contains(granted, s) {
			return nil, InvalidScope("scope %q was not part of the original grant", s)
		}
	}
	return slices.Clone(requested), nil
}
