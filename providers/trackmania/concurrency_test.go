package trackmania

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
)

// TestConcurrentRefresh presents one refresh token 64 times at once:
// exactly one request rotates it; the others see a used token. In league
// mode that revokes nothing, so the winner's tokens live; with reuse
// "revoke_grant" it revokes the family, the winner's tokens included.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name    string
		mutate  func(*Config)
		revokes bool
	}{{"league", nil, false}, {"revoke_grant", strictMode, true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			tok := ts.codeFlow(nil)
			const n = 64
			var wg sync.WaitGroup
			results := make([]response, n)
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					results[i] = ts.refresh(tok.RefreshToken)
				})
			}
			close(start)
			wg.Wait()
			var winners []response
			for _, r := range results {
				if r.status == http.StatusOK {
					winners = append(winners, r)
					continue
				}
				assert.Equal(t, http.StatusUnauthorized, r.status)
				assert.JSONEq(t, tmRefresh("Token has been revoked"), r.String())
			}
			require.Len(t, winners, 1, "exactly one refresh succeeds")
			won := ts.tokens(winners[0], true)
			if !mode.revokes {
				assert.Equal(t, http.StatusOK, ts.api(PathUser, "", won.AccessToken).status, "the losers revoked nothing")
				ts.tokens(ts.refresh(won.RefreshToken), true)
				return
			}
			assert.Equal(t, http.StatusUnauthorized, ts.refresh(won.RefreshToken).status, "the losers' reuse revoked the family")
			assert.Equal(t, http.StatusUnauthorized, ts.api(PathUser, "", won.AccessToken).status)
		})
	}
}

// TestConcurrentCodeRedemption redeems one code 64 times at once: at most
// one success (exactly one in league mode, where the replays revoke
// nothing); with reuse "revoke_grant" the replays revoke what it issued.
func TestConcurrentCodeRedemption(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name    string
		mutate  func(*Config)
		revokes bool
	}{{"league", nil, false}, {"revoke_grant", strictMode, true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			code := ts.code(nil)
			const n = 64
			var wg sync.WaitGroup
			results := make([]response, n)
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					results[i] = ts.redeem(code, nil)
				})
			}
			close(start)
			wg.Wait()
			var winners []response
			for _, r := range results {
				if r.status == http.StatusOK {
					winners = append(winners, r)
					continue
				}
				assert.Equal(t, http.StatusBadRequest, r.status)
				assert.JSONEq(t, tmRequest("Authorization code has been revoked"), r.String())
			}
			if mode.revokes {
				assert.LessOrEqual(t, len(winners), 1)
				return
			}
			require.Len(t, winners, 1)
			won := ts.tokens(winners[0], true)
			assert.Equal(t, http.StatusOK, ts.api(PathUser, "", won.AccessToken).status, "the replays revoked nothing")
		})
	}
}

// TestConcurrentRevokeAndIssue races logins, refreshes, mints and fixture
// edits against revoke and expire calls for the same user. Whatever the
// interleaving: tokens issued before the race are dead after it, one more
// revoke kills everything issued during it, and a login after that works.
func TestConcurrentRevokeAndIssue(t *testing.T) {
	t.Parallel()
	for _, mode := range controlModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, mode.mutate)
			before := ts.issueAll(t)

			const workers = 8
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				issued []tokenSet
			)
			keep := func(tok tokenSet) {
				mu.Lock()
				defer mu.Unlock()
				issued = append(issued, tok)
			}
			start := make(chan struct{})
			for i := range workers {
				wg.Go(func() {
					<-start
					for range 4 {
						// A revoke of alice between the code and its
						// redemption kills the code.
						redeemed := ts.redeem(ts.code(nil), nil)
						if redeemed.status != http.StatusOK {
							assert.JSONEq(t, tmRequest("Authorization code has been revoked"), redeemed.String())
							continue
						}
						tok := ts.tokens(redeemed, true)
						keep(tok)
						if resp := ts.refresh(tok.RefreshToken); resp.status == http.StatusOK {
							keep(ts.tokens(resp, true))
						}
						res, err := ts.p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
						if assert.NoError(t, err) {
							keep(tokenSet{AccessToken: res.AccessToken, RefreshToken: res.RefreshToken})
						}
					}
				})
				wg.Go(func() {
					<-start
					for range 4 {
						_, err := ts.p.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
						assert.NoError(t, err)
						_, err = ts.p.Expire(t.Context(), provider.TokenSelector{ClientID: webID})
						assert.NoError(t, err)
					}
				})
				wg.Go(func() {
					<-start
					name := "racer" + string(rune('a'+i))
					sub := fmt.Sprintf("00000000-0000-4000-8000-%012x", i)
					_, err := ts.p.editor.PutFixture(t.Context(), "users", name, json.RawMessage(`{"subject":"`+sub+`"}`))
					assert.NoError(t, err)
					assert.NoError(t, ts.p.editor.DeleteFixture(t.Context(), "users", name))
				})
			}
			close(start)
			wg.Wait()

			ts.assertAccessFails(t, before.alice.AccessToken, descRevoked)
			ts.assertAccessFails(t, before.minted.AccessToken, descRevoked)
			ts.assertRefreshFails(t, before.alice.RefreshToken, "Token has been revoked")
			ts.assertAccessFails(t, before.bob.AccessToken, descExpired) // web's, expired
			ts.assertAccessWorks(t, before.cc.AccessToken, false)        // svc's, untouched

			_, err := ts.p.Revoke(t.Context(), provider.TokenSelector{Username: "alice"})
			require.NoError(t, err)
			for _, tok := range issued {
				resp := ts.api(PathUser, "", tok.AccessToken)
				assert.Equal(t, http.StatusUnauthorized, resp.status, "%s", resp.body)
				if tok.RefreshToken != "" {
					assert.Equal(t, http.StatusUnauthorized, ts.refresh(tok.RefreshToken).status)
				}
			}
			after := ts.codeFlow(nil)
			ts.assertAccessWorks(t, after.AccessToken, true)
			ts.tokens(ts.refresh(after.RefreshToken), true)
		})
	}
}

// TestConcurrentRefreshGrantLeague drives the refresh grant itself from 64
// goroutines, without HTTP in between to spread them out: in league mode
// the losers must never reach the store's rotation as a reuse (which would
// revoke the family), so the winner's refresh token keeps working.
func TestConcurrentRefreshGrantLeague(t *testing.T) {
	t.Parallel()
	for range 5 {
		ts := newTestServer(t, nil)
		tok := ts.codeFlow(nil)
		web, ok := ts.p.dir.LookupClient(t.Context(), webID)
		require.True(t, ok)
		const n = 64
		var wg sync.WaitGroup
		wins := make([]string, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				out, err := ts.p.flow.RefreshGrant().Handle(t.Context(), &oauth.TokenRequest{
					GrantType: oauth.GrantRefreshToken, Client: web,
					Form: url.Values{"refresh_token": {tok.RefreshToken}},
				})
				if err == nil {
					wins[i] = out.RefreshToken
				}
			})
		}
		close(start)
		wg.Wait()
		var won []string
		for _, w := range wins {
			if w != "" {
				won = append(won, w)
			}
		}
		require.Len(t, won, 1, "exactly one refresh succeeds")
		ts.tokens(ts.refresh(won[0]), true)
	}
}
