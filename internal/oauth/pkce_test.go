package oauth_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/authmock/authmock/internal/oauth"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestS256ChallengeRFC7636AppendixB(t *testing.T) {
	t.Parallel()
	assert.Equal(t, rfcChallenge, oauth.S256Challenge(rfcVerifier))
}

func TestS256ChallengeMatchesGolangOAuth2(t *testing.T) {
	t.Parallel()
	for range 5 {
		v := oauth2.GenerateVerifier()
		require.True(t, oauth.ValidPKCEValue(v), "x/oauth2 verifier %q", v)
		assert.Equal(t, oauth2.S256ChallengeFromVerifier(v), oauth.S256Challenge(v))
	}
}

func TestValidPKCEValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		want  bool
	}{
		{name: "RFC verifier", value: rfcVerifier, want: true},
		{name: "43 characters is the minimum", value: strings.Repeat("a", 43), want: true},
		{name: "128 characters is the maximum", value: strings.Repeat("Z", 128), want: true},
		{name: "every unreserved character", value: "ABCXYZabcxyz0189-._~" + strings.Repeat("0", 23), want: true},
		{name: "42 characters", value: strings.Repeat("a", 42)},
		{name: "129 characters", value: strings.Repeat("a", 129)},
		{name: "empty", value: ""},
		{name: "plus", value: strings.Repeat("a", 42) + "+"},
		{name: "slash", value: strings.Repeat("a", 42) + "/"},
		{name: "padding", value: strings.Repeat("a", 42) + "="},
		{name: "space", value: strings.Repeat("a", 42) + " "},
		{name: "percent", value: strings.Repeat("a", 42) + "%"},
		{name: "non-ASCII counted in bytes", value: strings.Repeat("a", 41) + "é"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, oauth.ValidPKCEValue(tc.value))
		})
	}
}

func TestCheckPKCERequest(t *testing.T) {
	t.Parallel()
	const charsetMsg = "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]"
	tests := []struct {
		name       string
		challenge  string
		method     string
		required   bool
		wantMethod string
		wantDesc   string
	}{
		{name: "S256", challenge: rfcChallenge, method: "S256", wantMethod: "S256"},
		{name: "plain explicit", challenge: rfcVerifier, method: "plain", wantMethod: "plain"},
		{name: "plain is the default", challenge: rfcVerifier, wantMethod: "plain"},
		{name: "required and present", challenge: rfcChallenge, method: "S256", required: true, wantMethod: "S256"},
		{name: "not required and absent", wantMethod: ""},
		{name: "required and missing", required: true, wantDesc: "code_challenge is required (PKCE, RFC 7636)"},
		{name: "method without challenge", method: "S256", wantDesc: "code_challenge_method was sent without code_challenge"},
		{name: "method without challenge, required", method: "S256", required: true, wantDesc: "code_challenge_method was sent without code_challenge"},
		{name: "unknown method", challenge: rfcChallenge, method: "S512", wantDesc: "code_challenge_method must be S256 or plain"},
		{name: "method is case-sensitive", challenge: rfcChallenge, method: "s256", wantDesc: "code_challenge_method must be S256 or plain"},
		{name: "challenge too short", challenge: strings.Repeat("a", 42), method: "S256", wantDesc: charsetMsg},
		{name: "challenge too long", challenge: strings.Repeat("a", 129), wantDesc: charsetMsg},
		{name: "challenge with padding", challenge: rfcChallenge + "=", method: "S256", wantDesc: charsetMsg},
		{name: "challenge in standard base64", challenge: strings.ReplaceAll(rfcChallenge, "-", "+"), method: "S256", wantDesc: charsetMsg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method, err := oauth.CheckPKCERequest(tc.challenge, tc.method, tc.required)
			if tc.wantDesc != "" {
				requireOAuthError(t, err, oauth.CodeInvalidRequest, tc.wantDesc)
				assert.Empty(t, method)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantMethod, method)
		})
	}
}

func TestVerifyPKCE(t *testing.T) {
	t.Parallel()
	other := strings.Repeat("x", 43)
	tests := []struct {
		name      string
		challenge string
		method    string
		verifier  string
		wantDesc  string
	}{
		{name: "S256 match (RFC 7636 Appendix B)", challenge: rfcChallenge, method: "S256", verifier: rfcVerifier},
		{name: "plain match", challenge: rfcVerifier, method: "plain", verifier: rfcVerifier},
		{name: "no PKCE at either end", challenge: "", method: "", verifier: ""},
		{name: "S256 mismatch", challenge: rfcChallenge, method: "S256", verifier: other, wantDesc: "code_verifier does not match the code_challenge"},
		{name: "plain mismatch", challenge: rfcVerifier, method: "plain", verifier: other, wantDesc: "code_verifier does not match the code_challenge"},
		{name: "S256 challenge sent back as the verifier", challenge: rfcChallenge, method: "S256", verifier: rfcChallenge, wantDesc: "code_verifier does not match the code_challenge"},
		{name: "verifier missing", challenge: rfcChallenge, method: "S256", wantDesc: "code_verifier is required: the authorization request used PKCE"},
		{name: "verifier without a challenge (downgrade)", verifier: rfcVerifier, wantDesc: "code_verifier was sent but the authorization request had no code_challenge"},
		{name: "verifier too short", challenge: rfcChallenge, method: "S256", verifier: rfcVerifier[:42], wantDesc: "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]"},
		{name: "verifier too long", challenge: rfcChallenge, method: "S256", verifier: strings.Repeat("a", 129), wantDesc: "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]"},
		{name: "verifier with a bad character", challenge: rfcChallenge, method: "S256", verifier: rfcVerifier[:42] + "+", wantDesc: "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := oauth.VerifyPKCE(tc.challenge, tc.method, tc.verifier)
			if tc.wantDesc != "" {
				requireOAuthError(t, err, oauth.CodeInvalidGrant, tc.wantDesc)
				require.ErrorIs(t, err, oauth.ErrInvalidGrant)
				return
			}
			require.NoError(t, err)
		})
	}
}
