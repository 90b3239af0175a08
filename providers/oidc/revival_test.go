package oidc

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store/memory"
)

// The two probes of issue 11 that brought a revoked token back, run
// against the whole dialect.

// TestRevokedTokenSurvivesAFloodPastTheCap: password grants pushed the
// store past its cap, and eviction dropped the revocation of a token
// revoked before the flood. The store now refuses new state at its cap
// rather than evict live state, and never evicts a revocation.
func TestRevokedTokenSurvivesAFloodPastTheCap(t *testing.T) {
	t.Parallel()
	const limit = 20
	ts := newTestServerWithLogger(t, nil, slog.New(slog.DiscardHandler), memory.WithMaxEntries(limit))
	victim := ts.passwordTokens("alice", alicePassword, "openid offline_access")
	_, err := ts.p.life.Revoke(t.Context(), provider.TokenSelector{Token: victim.RefreshToken})
	require.NoError(t, err)
	ts.assertAccessFails(t, victim.AccessToken, accessRevoked)

	var kept []string
	refused := 0
	for i := range 5 * limit {
		resp := ts.postForm(PathToken, url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {bobPassword}, "scope": {"openid offline_access"}}, webID, webSecret)
		switch resp.status {
		case http.StatusOK:
			kept = append(kept, ts.tokens(resp).RefreshToken)
		case http.StatusInternalServerError:
			refused++
			assert.JSONEq(t, errJSON("server_error", "the server failed to handle the request"), resp.String(), "grant %d", i)
		default:
			t.Fatalf("grant %d: %d %s", i, resp.status, resp.body)
		}
	}
	assert.Positive(t, refused, "the flood reached the cap")
	assert.LessOrEqual(t, ts.backend.Len("oidc"), limit+1)

	ts.assertAccessFails(t, victim.AccessToken, accessRevoked)
	resp := ts.refresh(victim.RefreshToken, nil)
	assert.Equal(t, http.StatusBadRequest, resp.status, "the revoked refresh token stays dead")
	for i, rt := range kept[:3] {
		assert.Equal(t, http.StatusOK, ts.refresh(rt, nil).status, fmt.Sprint("a session from before the cap was not evicted: ", i))
	}
}

// TestRevokedTokenSurvivesAClockRewind: revoke, advance the admin clock
// past the token's exp, sweep, and move the clock back: the token is in its
// lifetime again, and must still be revoked.
func TestRevokedTokenSurvivesAClockRewind(t *testing.T) {
	t.Parallel()
	for name, sel := range map[string]func(tok tokenSet) provider.TokenSelector{
		"by jti (a mark)": func(tok tokenSet) provider.TokenSelector {
			return provider.TokenSelector{JTI: jtiOf(t, tok.AccessToken)}
		},
		"by token (a mark)":     func(tok tokenSet) provider.TokenSelector { return provider.TokenSelector{Token: tok.AccessToken} },
		"by user (a cut-off)":   func(tokenSet) provider.TokenSelector { return provider.TokenSelector{Username: "alice"} },
		"by client (a cut-off)": func(tokenSet) provider.TokenSelector { return provider.TokenSelector{ClientID: webID} },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, nil)
			tok := ts.passwordTokens("alice", alicePassword, "openid")
			_, err := ts.p.life.Revoke(t.Context(), sel(tok))
			require.NoError(t, err)
			ts.clk.Advance(2 * time.Hour)
			ts.backend.SweepAll()
			ts.clk.Advance(-2 * time.Hour)
			ts.backend.SweepAll()
			ts.assertAccessFails(t, tok.AccessToken, accessRevoked)
		})
	}
}
