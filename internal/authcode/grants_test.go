package authcode

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/directory"
	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

func codeForm(code string) url.Values {
	return url.Values{"code": {code}, "redirect_uri": {webRedir}}
}

func TestCodeGrantProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy func(*Policy)
		client string
		form   func(code string) url.Values
		want   error
	}{
		{"no code", nil, "web", func(string) url.Values { return url.Values{} }, problem{MissingParam, "code"}},
		{"unknown code", nil, "web", func(string) url.Values { return codeForm("nope") }, problem{CodeUnknown, ""}},
		{"another client's code", nil, "strict", codeForm, problem{CodeOtherClient, ""}},
		{"redirect_uri omitted", nil, "web", func(c string) url.Values { return url.Values{"code": {c}} }, problem{RedirectURIMissing, "redirect_uri"}},
		{"redirect_uri differs", nil, "web", func(c string) url.Values { return url.Values{"code": {c}, "redirect_uri": {webRedir + "2"}} }, problem{RedirectURIMismatch, "redirect_uri"}},
		{"verifier without challenge, default rule", nil, "web", func(c string) url.Values { return merge(codeForm(c), url.Values{"code_verifier": {verifier}}) },
			oauth.InvalidGrant("code_verifier was sent but the authorization request had no code_challenge")},
		{"the dialect's verifier rule", func(p *Policy) {
			p.VerifyPKCE = func(g store.Grant, v string) error { return problem{MissingParam, "verifier " + v} }
		}, "web", codeForm, problem{MissingParam, "verifier "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, tc.policy)
			code := k.code(webQuery())
			_, err := k.token(k.f.CodeGrant(), tc.client, tc.form(code))
			assert.Equal(t, tc.want, err)
			// Bad input changes nothing: the code is still redeemable.
			if tc.want != (problem{CodeUnknown, ""}) && tc.want != (problem{MissingParam, "code"}) {
				_, err = k.token(k.f.CodeGrant(), "web", codeForm(code))
				if tc.policy == nil {
					assert.NoError(t, err, "the code survives a refused redemption")
				}
			}
		})
	}
}

// TestCodeUserGone: a user disabled or deleted between signing in and the
// code's redemption gets no tokens. The code is not spent: with the user
// back before it expires, it redeems.
func TestCodeUserGone(t *testing.T) {
	t.Parallel()
	alice := testUsers[0]
	disabled := alice
	disabled.Disabled = true
	tests := []struct {
		name   string
		remove func(d *directory.Directory)
	}{
		{"disabled", func(d *directory.Directory) { require.Empty(t, d.PutUser(disabled)) }},
		{"deleted", func(d *directory.Directory) { require.True(t, d.DeleteUser("alice")) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, nil)
			code := k.code(webQuery())
			tc.remove(k.f.deps.Dir)
			_, err := k.token(k.f.CodeGrant(), "web", codeForm(code))
			assert.Equal(t, problem{CodeUserGone, ""}, err)

			require.Empty(t, k.f.deps.Dir.PutUser(alice))
			_, err = k.token(k.f.CodeGrant(), "web", codeForm(code))
			assert.NoError(t, err, "the code was not spent")
		})
	}
}

// TestCodeRevokedBeforeRedemption: revoking the code's user, client or
// grant between /authorize and the token request kills the code; a code
// issued after the call, on the same frozen clock, redeems.
func TestCodeRevokedBeforeRedemption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		revoke func(k *kit) error
	}{
		{"user", func(k *kit) error {
			_, err := k.life.Revoke(k.t.Context(), provider.TokenSelector{Username: "alice"})
			return err
		}},
		{"client", func(k *kit) error {
			_, err := k.life.Revoke(k.t.Context(), provider.TokenSelector{ClientID: "web"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, nil)
			code := k.code(webQuery())
			require.NoError(t, tc.revoke(k))
			_, err := k.token(k.f.CodeGrant(), "web", codeForm(code))
			assert.Equal(t, problem{CodeRevoked, ""}, err)

			later := k.code(webQuery())
			out, err := k.token(k.f.CodeGrant(), "web", codeForm(later))
			require.NoError(t, err)
			assert.Equal(t, lifecycle.Live, k.state(out.AccessToken), "a code issued after the call works")
		})
	}
	// Expiring a user ends her tokens, not her codes.
	k := newKit(t, nil)
	code := k.code(webQuery())
	_, err := k.life.Expire(t.Context(), provider.TokenSelector{Username: "alice"})
	require.NoError(t, err)
	_, err = k.token(k.f.CodeGrant(), "web", codeForm(code))
	assert.NoError(t, err)
}

func TestCodeExpires(t *testing.T) {
	t.Parallel()
	k := newKit(t, nil)
	code := k.code(webQuery())
	k.clk.Advance(codeTTL + time.Second)
	_, err := k.token(k.f.CodeGrant(), "web", codeForm(code))
	assert.Equal(t, problem{CodeExpired, ""}, err)
}

// TestCodeReplay: with ReuseRevoke a replayed code revokes what it issued
// (RFC 6749 §4.1.2); with ReuseRefuse (league) it is refused and its
// tokens stay valid.
func TestCodeReplay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		policy func(*Policy)
		after  lifecycle.State
	}{
		{"revoke", oidcLike, lifecycle.Revoked},
		{"refuse", leagueLike, lifecycle.Live},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, tc.policy)
			code := k.code(webQuery())
			first, err := k.token(k.f.CodeGrant(), "web", codeForm(code))
			require.NoError(t, err)
			require.NotEmpty(t, first.RefreshToken)
			_, err = k.token(k.f.CodeGrant(), "web", codeForm(code))
			assert.Equal(t, problem{CodeReplayed, ""}, err)
			assert.Equal(t, tc.after, k.state(first.AccessToken))
			_, err = k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {first.RefreshToken}})
			if tc.after == lifecycle.Live {
				assert.NoError(t, err, "the replay left the refresh token alone")
			} else {
				assert.Equal(t, problem{RefreshRevoked, ""}, err)
			}
		})
	}
}

// TestRefreshReuse: a used refresh token is refused in both modes; with
// ReuseRevoke its family dies (the newest token too), with ReuseRefuse the
// newest keeps working.
func TestRefreshReuse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		policy  func(*Policy)
		reused  error
		newest  error
		revoked bool
	}{
		{"revoke", oidcLike, problem{RefreshReused, ""}, problem{RefreshRevoked, ""}, true},
		{"refuse", leagueLike, problem{RefreshReused, ""}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKit(t, tc.policy)
			first, err := k.token(k.f.CodeGrant(), "web", codeForm(k.code(webQuery())))
			require.NoError(t, err)
			second, err := k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {first.RefreshToken}, "scope": {"openid"}})
			require.NoError(t, err)
			assert.Equal(t, "openid", second.Scope, "the access token is narrowed")
			assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "rotated")
			rec, err := k.st.LookupRefresh(t.Context(), second.RefreshToken)
			require.NoError(t, err)
			assert.Equal(t, []string{"openid", "profile"}, rec.Grant.Scopes, "the successor keeps the whole grant")
			assert.Equal(t, second.AccessToken, rec.Grant.Extra["access"], "Access.Extra joins the successor")
			assert.Equal(t, t0.Add(refreshTTL), rec.ExpiresAt)

			_, err = k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {first.RefreshToken}})
			assert.Equal(t, tc.reused, err)
			assert.Equal(t, tc.revoked, k.state(second.AccessToken) == lifecycle.Revoked)
			_, err = k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {second.RefreshToken}})
			assert.Equal(t, tc.newest, err)
		})
	}
}

func TestRefreshProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		client string
		form   func(rt string) url.Values
		setup  func(k *kit)
		want   error
	}{
		{"no token", "web", func(string) url.Values { return url.Values{} }, nil, problem{MissingParam, "refresh_token"}},
		{"unknown token", "web", func(string) url.Values { return url.Values{"refresh_token": {"nope"}} }, nil, problem{RefreshUnknown, ""}},
		{"another client's token", "strict", func(rt string) url.Values { return url.Values{"refresh_token": {rt}} }, nil, problem{RefreshOtherClient, ""}},
		{"a scope not granted", "web", func(rt string) url.Values { return url.Values{"refresh_token": {rt}, "scope": {"openid email"}} }, nil, problem{ScopeNotGranted, "email"}},
		{"expired", "web", func(rt string) url.Values { return url.Values{"refresh_token": {rt}} }, func(k *kit) { k.clk.Advance(refreshTTL + time.Second) }, problem{RefreshExpired, ""}},
	}
	for _, tc := range tests {
		for name, pol := range map[string]func(*Policy){"revoke": oidcLike, "refuse": leagueLike} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				k := newKit(t, pol)
				first, err := k.token(k.f.CodeGrant(), "web", codeForm(k.code(webQuery())))
				require.NoError(t, err)
				if tc.setup != nil {
					tc.setup(k)
				}
				_, err = k.token(k.f.RefreshGrant(), tc.client, tc.form(first.RefreshToken))
				assert.Equal(t, tc.want, err)
				if tc.setup == nil {
					_, err = k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {first.RefreshToken}})
					assert.NoError(t, err, "a refused refresh changes nothing")
				}
			})
		}
	}
}

func TestRefreshWithoutRotation(t *testing.T) {
	t.Parallel()
	var previous []string
	k := newKit(t, func(p *Policy) {
		leagueLike(p)
		p.KeepRefreshTokens = true
		p.RevokePrevious = func(_ context.Context, used store.Grant) error {
			previous = append(previous, used.FamilyID)
			return nil
		}
	})
	first, err := k.token(k.f.CodeGrant(), "web", codeForm(k.code(webQuery())))
	require.NoError(t, err)
	for range 2 {
		out, err := k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {first.RefreshToken}})
		require.NoError(t, err, "the presented token stays valid")
		assert.NotEqual(t, first.RefreshToken, out.RefreshToken, "a new one joins the family")
	}
	assert.Len(t, previous, 2, "league revokes the access token issued with the used refresh token")
}

// TestConcurrentRefreshRefuse: with ReuseRefuse, 32 concurrent refreshes
// of one token let exactly one win and never revoke the family.
func TestConcurrentRefreshRefuse(t *testing.T) {
	t.Parallel()
	k := newKit(t, leagueLike)
	first, err := k.token(k.f.CodeGrant(), "web", codeForm(k.code(webQuery())))
	require.NoError(t, err)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []string
	)
	for range 32 {
		wg.Go(func() {
			out, err := k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {first.RefreshToken}})
			if err == nil {
				mu.Lock()
				wins = append(wins, out.RefreshToken)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, wins, 1)
	_, err = k.token(k.f.RefreshGrant(), "web", url.Values{"refresh_token": {wins[0]}})
	assert.NoError(t, err)
}
