package dpop

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store/memory"
)

func newVerifier(t testing.TB, nonces bool) (*Verifier, *clock.Controlled) {
	t.Helper()
	clk := clock.NewFrozen(testNow)
	backend := memory.New(clk)
	t.Cleanup(func() { _ = backend.Close() })
	v := &Verifier{Algs: Algorithms, Window: time.Minute, Clock: clk, Replay: StoreReplay{Records: backend.Namespace("t")}}
	if nonces {
		v.Nonces = NewNonces([]byte("test key"), 5*time.Minute, clk)
	}
	return v, clk
}

const tokenURL = "https://as.example/token"

func TestVerifyRequestChecks(t *testing.T) {
	k := newKey(t, "ES256")
	other := newKey(t, "ES256")
	v, _ := newVerifier(t, false)
	cases := []struct {
		name    string
		proofs  []string
		method  string
		token   string
		jkt     string
		want    oauth.ErrorCode
		wantMsg string
	}{
		{"two headers", []string{k.proof(t, nil, nil), k.proof(t, nil, nil)}, "POST", "", "", CodeInvalidProof, "the request carries 2 DPoP headers; send exactly one"},
		{"htm", []string{k.proof(t, map[string]any{"htm": "GET"}, nil)}, "POST", "", "", CodeInvalidProof, `the DPoP proof's htm "GET" does not match the request method POST`},
		{"htm case", []string{k.proof(t, map[string]any{"htm": "post"}, nil)}, "POST", "", "", CodeInvalidProof, `the DPoP proof's htm "post" does not match the request method POST`},
		{"htu other path", []string{k.proof(t, map[string]any{"htu": "https://as.example/userinfo"}, nil)}, "POST", "", "", CodeInvalidProof, "the DPoP proof's htu does not match the request URI"},
		{"htu other host", []string{k.proof(t, map[string]any{"htu": "https://evil.example/token"}, nil)}, "POST", "", "", CodeInvalidProof, "the DPoP proof's htu does not match the request URI"},
		{"htu relative", []string{k.proof(t, map[string]any{"htu": "/token"}, nil)}, "POST", "", "", CodeInvalidProof, "the DPoP proof's htu does not match the request URI"},
		{"iat too old", []string{k.proof(t, map[string]any{"iat": testNow.Add(-62 * time.Second).Unix()}, nil)}, "POST", "", "", CodeInvalidProof, "the DPoP proof's iat is outside the accepted window of 1m0s"},
		{"iat in the future", []string{k.proof(t, map[string]any{"iat": testNow.Add(61 * time.Second).Unix()}, nil)}, "POST", "", "", CodeInvalidProof, "the DPoP proof's iat is outside the accepted window of 1m0s"},
		{"ath missing", []string{k.proof(t, nil, nil)}, "POST", "the-token", "", CodeInvalidProof, "the DPoP proof has no ath for the access token"},
		{"ath of another token", []string{k.proof(t, map[string]any{"ath": ATH("other-token")}, nil)}, "POST", "the-token", "", CodeInvalidProof, "the DPoP proof's ath does not match the access token"},
		{"key not the bound one", []string{k.proof(t, map[string]any{"ath": ATH("the-token")}, nil)}, "POST", "the-token", mustJKT(t, other), CodeInvalidProof, "the DPoP proof's key is not the key the access token is bound to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), Request{Proofs: tc.proofs, Method: tc.method, URLs: []string{tokenURL}, AccessToken: tc.token, JKT: tc.jkt})
			var e *oauth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.want, e.Code)
			assert.Equal(t, tc.wantMsg, e.Description)
			assert.Equal(t, 400, e.StatusCode())
		})
	}
}

func mustJKT(t *testing.T, k testKey) string {
	p, err := Parse(k.proof(t, nil, nil), Algorithms)
	require.NoError(t, err)
	return p.JKT
}

func TestVerifyAccepts(t *testing.T) {
	k := newKey(t, "ES256")
	v, clk := newVerifier(t, false)
	ctx := context.Background()
	// Within the window either way, on authmock's clock: moving the admin
	// clock moves what "now" means for proofs too.
	clk.Advance(time.Hour)
	p, err := v.Verify(ctx, Request{
		Proofs: []string{k.proof(t, map[string]any{"iat": testNow.Add(time.Hour - 50*time.Second).Unix(), "ath": ATH("tok"), "htu": "HTTPS://as.example:443/token?q=1"}, nil)},
		Method: "POST", URLs: []string{"https://other.example/token", tokenURL}, AccessToken: "tok", JKT: mustJKT(t, k),
	})
	require.NoError(t, err)
	assert.Equal(t, mustJKT(t, k), p.JKT)
	_, err = v.Verify(ctx, Request{Proofs: []string{k.proof(t, map[string]any{"iat": testNow.Unix()}, nil)}, Method: "POST", URLs: []string{tokenURL}})
	require.Error(t, err, "the same proof time is an hour old once the admin clock moved")
}

func TestVerifyNoProof(t *testing.T) {
	v, _ := newVerifier(t, false)
	_, err := v.Verify(context.Background(), Request{Method: "POST", URLs: []string{tokenURL}})
	assert.ErrorIs(t, err, ErrNoProof)
}

// TestReplay: an accepted proof is spent; a refused one is not, whatever
// refused it; a released one can be sent again; and jti values are per key.
func TestReplay(t *testing.T) {
	k := newKey(t, "ES256")
	v, clk := newVerifier(t, false)
	ctx := context.Background()
	req := func(proof string, token string) Request {
		return Request{Proofs: []string{proof}, Method: "POST", URLs: []string{tokenURL}, AccessToken: token}
	}

	proof := k.proof(t, map[string]any{"jti": "once", "ath": ATH("tok")}, nil)
	_, err := v.Verify(ctx, req(proof, "other-token"))
	require.Error(t, err, "a proof refused for its ath")
	p, err := v.Verify(ctx, req(proof, "tok"))
	require.NoError(t, err, "the refused proof's jti was not burnt")
	_, err = v.Verify(ctx, req(proof, "tok"))
	require.Error(t, err)
	assert.Equal(t, "invalid_dpop_proof: the DPoP proof has already been used (jti replay)", err.Error())

	require.NoError(t, v.Release(ctx, p))
	_, err = v.Verify(ctx, req(proof, "tok"))
	require.NoError(t, err, "a released proof is accepted again")

	other := newKey(t, "ES256")
	_, err = v.Verify(ctx, req(other.proof(t, map[string]any{"jti": "once"}, nil), ""))
	require.NoError(t, err, "another key's jti does not collide")

	// The record outlives the proof's window, then is forgotten: the
	// proof is refused by its iat by then anyway.
	clk.Advance(62 * time.Second)
	_, err = v.Verify(ctx, req(proof, "tok"))
	require.Error(t, err)
	assert.Equal(t, "invalid_dpop_proof: the DPoP proof's iat is outside the accepted window of 1m0s", err.Error())
}

func TestReplayRace(t *testing.T) {
	k := newKey(t, "ES256")
	v, _ := newVerifier(t, false)
	proof := k.proof(t, nil, nil)
	const n = 32
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := v.Verify(context.Background(), Request{Proofs: []string{proof}, Method: "POST", URLs: []string{tokenURL}})
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if <-errs == nil {
			ok++
		}
	}
	assert.Equal(t, 1, ok, "exactly one of the concurrent uses of a proof wins")
}

func TestNonceFlow(t *testing.T) {
	k := newKey(t, "ES256")
	v, clk := newVerifier(t, true)
	ctx := context.Background()
	verify := func(claims map[string]any) *oauth.Error {
		_, err := v.Verify(ctx, Request{Proofs: []string{k.proof(t, claims, nil)}, Method: "POST", URLs: []string{tokenURL}})
		if err == nil {
			return nil
		}
		var e *oauth.Error
		require.True(t, errors.As(err, &e), "%v", err)
		return e
	}
	e := verify(map[string]any{"iat": clk.Now().Unix()})
	require.NotNil(t, e)
	assert.Equal(t, CodeUseNonce, e.Code)
	assert.Equal(t, "the authorization server requires a nonce in the DPoP proof", e.Description)
	nonce := e.Header.Get(HeaderNonce)
	require.NotEmpty(t, nonce)
	assert.Equal(t, v.Nonces.Current(), nonce)

	assert.Nil(t, verify(map[string]any{"iat": clk.Now().Unix(), "nonce": nonce}))

	e = verify(map[string]any{"iat": clk.Now().Unix(), "nonce": nonce + "x"})
	require.NotNil(t, e)
	assert.Equal(t, "the DPoP proof's nonce is invalid or expired", e.Description)

	forged := NewNonces([]byte("another key"), 5*time.Minute, clk).Current()
	e = verify(map[string]any{"iat": clk.Now().Unix(), "nonce": forged})
	require.NotNil(t, e, "a nonce made with another key")
	assert.Equal(t, CodeUseNonce, e.Code)

	// A nonce lives through the next window, and no longer.
	clk.Advance(5 * time.Minute)
	assert.Nil(t, verify(map[string]any{"iat": clk.Now().Unix(), "nonce": nonce}))
	clk.Advance(5 * time.Minute)
	e = verify(map[string]any{"iat": clk.Now().Unix(), "nonce": nonce})
	require.NotNil(t, e)
	assert.Equal(t, CodeUseNonce, e.Code)
	assert.NotEqual(t, nonce, e.Header.Get(HeaderNonce), "a fresh nonce comes with the error")
}

func TestForResource(t *testing.T) {
	algs := []string{"ES256", "EdDSA"}
	e := ForResource(invalid("bad %s", `"x"`), "https://as", algs)
	assert.Equal(t, 401, e.StatusCode())
	assert.Equal(t, `DPoP realm="https://as", error="invalid_dpop_proof", error_description="bad 'x'", algs="ES256 EdDSA"`, e.Header.Get("WWW-Authenticate"))

	n := ForResource(useNonce("need one", "N1"), "", algs)
	assert.Equal(t, 401, n.StatusCode())
	assert.Equal(t, "N1", n.Header.Get(HeaderNonce))
	assert.Equal(t, `DPoP error="use_dpop_nonce", error_description="need one", algs="ES256 EdDSA"`, n.Header.Get("WWW-Authenticate"))

	scope := oauth.InsufficientScope("no")
	assert.Same(t, scope, ForResource(scope, "", algs), "other errors pass through")
}
