package oidc

import (
	"context"
	"crypto/sha256"
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/oauth/dpop"
	"github.com/authmock/authmock/internal/store"
)

// DPoPConfig is the instance's "dpop" object: RFC 9449 sender-constrained
// tokens. With it enabled (the default) a client that sends a DPoP proof
// to the token endpoint gets DPoP-bound tokens; one whose fixture says
// dpop_bound_access_tokens must send one.
type DPoPConfig struct {
	Enabled bool `json:"enabled"`
	// UseNonce makes every proof carry a server nonce (RFC 9449 §8, §9).
	UseNonce bool `json:"use_dpop_nonce"`
	// NonceLifetime is the window a nonce is issued in; it is accepted
	// in that window and the next.
	NonceLifetime fixtures.Duration `json:"nonce_lifetime"`
	// IATWindow is how far a proof's iat may be from authmock's clock.
	IATWindow fixtures.Duration `json:"iat_window"`
	// SigningAlgs are the proof algorithms accepted, and advertised as
	// dpop_signing_alg_values_supported.
	SigningAlgs []string `json:"signing_algs"`
}

func defaultDPoPConfig() DPoPConfig {
	return DPoPConfig{
		Enabled:       true,
		NonceLifetime: fixtures.Duration(5 * time.Minute),
		IATWindow:     fixtures.Duration(5 * time.Minute),
		SigningAlgs:   slices.Clone(dpop.Algorithms),
	}
}

// check validates the dpop object and the clients that depend on it.
func (c DPoPConfig) check(clients []fixtures.Client) fixtures.Problems {
	var ps fixtures.Problems
	if len(c.SigningAlgs) == 0 {
		ps.Add("dpop.signing_algs", "must list at least one algorithm (have %v)", dpop.Algorithms)
	}
	for i, alg := range c.SigningAlgs {
		if !slices.Contains(dpop.Algorithms, alg) {
			ps.Add(fixtures.Index("dpop.signing_algs", i), "unsupported DPoP algorithm %q (have %v)", alg, dpop.Algorithms)
		}
	}
	if c.NonceLifetime.D() < time.Second {
		ps.Add("dpop.nonce_lifetime", "must be at least 1s")
	}
	if c.IATWindow.D() < time.Second {
		ps.Add("dpop.iat_window", "must be at least 1s")
	}
	for i, cl := range clients {
		ps.Merge(fixtures.Index("clients", i), checkClientDPoP(cl, c))
	}
	return ps
}

// checkClientDPoP is the DPoP rule for one client, for the configuration
// file and the admin API alike.
func checkClientDPoP(c fixtures.Client, cfg DPoPConfig) fixtures.Problems {
	var ps fixtures.Problems
	if c.DPoPBoundAccessTokens && !cfg.Enabled {
		ps.Add("dpop_bound_access_tokens", "DPoP is disabled on this instance (dpop.enabled)")
	}
	return ps
}

// confirmation is the cnf claim of a DPoP-bound token (RFC 9449 §6).
type confirmation struct {
	JKT string `json:"jkt"`
}

// extraJKT is the store.Grant.Extra entry binding a public client's refresh
// tokens to its DPoP key (RFC 9449 §5).
const extraJKT = "dpop_jkt"

// newDPoP builds the instance's proof verifier, or nil when DPoP is off.
// Seen proofs are kept in the instance's store (dpop.StoreReplay). Nonces
// are HMACs under a key derived from the active signing key, which
// replicas share through the store (keyload), so a nonce one replica
// issued passes on another; an HMAC signing key has no PEM form and gives
// a random key instead.
func (p *Provider) newDPoP() (*dpop.Verifier, error) {
	cfg := p.cfg.DPoP
	if !cfg.Enabled {
		return nil, nil
	}
	v := &dpop.Verifier{
		Algs: cfg.SigningAlgs, Window: cfg.IATWindow.D(), Clock: p.deps.Clock,
		Replay: dpop.StoreReplay{Records: p.deps.Store},
	}
	if cfg.UseNonce {
		secret, err := p.keys.Active().MarshalPrivatePEM()
		if err != nil {
			if secret, err = p.deps.RandomBytes(32); err != nil {
				return nil, err
			}
		}
		key := sha256.Sum256(append([]byte("authmock dpop nonce key\x00"+p.deps.Name+"\x00"), secret...))
		v.Nonces = dpop.NewNonces(key[:], cfg.NonceLifetime.D(), p.deps.Clock)
	}
	return v, nil
}

// withDPoPMetadata adds RFC 9449 §5.1's metadata when DPoP is on.
func (p *Provider) withDPoPMetadata(m map[string]any) map[string]any {
	if p.dpop != nil {
		m["dpop_signing_alg_values_supported"] = p.dpop.Algs
	}
	return m
}

// dpopGrants wraps every grant so that a proof is checked after the token
// endpoint's shared steps (client authentication, grant permission) and
// before the grant touches any state: a bad proof consumes no code and
// rotates no refresh token. A grant that then fails releases the proof's
// jti, so the failed request changed nothing.
func (p *Provider) dpopGrants(grants []oauth.Grant) []oauth.Grant {
	if p.dpop == nil {
		return grants
	}
	out := make([]oauth.Grant, len(grants))
	for i, g := range grants {
		out[i] = dpopGrant{Grant: g, p: p}
	}
	return out
}

type dpopGrant struct {
	oauth.Grant
	p *Provider
}

func (g dpopGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	proofs := dpop.Proofs(req.HTTP.Header)
	var urls []string
	if len(proofs) > 0 { // without a proof Verify answers ErrNoProof before looking at them
		urls = p.targetURLs(req.HTTP, PathToken)
	}
	proof, err := p.dpop.Verify(ctx, dpop.Request{Proofs: proofs, Method: req.HTTP.Method, URLs: urls})
	switch {
	case errors.Is(err, dpop.ErrNoProof):
		if req.Client.DPoPBoundAccessTokens {
			return nil, dpop.InvalidProof("this client must send a DPoP proof (dpop_bound_access_tokens)")
		}
		return g.Grant.Handle(ctx, req)
	case err != nil:
		return nil, err
	}
	resp, err := g.Grant.Handle(context.WithValue(ctx, proofKey{}, proof), req)
	if err != nil {
		if rerr := p.dpop.Release(ctx, proof); rerr != nil {
			p.log.WarnContext(ctx, "a failed token request's DPoP proof stays spent", "err", rerr)
		}
		return nil, err
	}
	return resp, nil
}

// pushedDPoPKey checks the DPoP proof of a pushed authorization request
// (RFC 9449 §10.1) and returns its key's thumbprint, "" without a proof.
// The proof's jti stays spent: a pushed request is not undone.
func (p *Provider) pushedDPoPKey(r *http.Request) (string, error) {
	if p.dpop == nil {
		return "", nil
	}
	proof, err := p.dpop.Verify(r.Context(), dpop.Request{Proofs: dpop.Proofs(r.Header), Method: r.Method, URLs: p.targetURLs(r, PathPAR)})
	switch {
	case errors.Is(err, dpop.ErrNoProof):
		return "", nil
	case err != nil:
		return "", err
	}
	return proof.JKT, nil
}

// tokenDPoPKey is the thumbprint of the token request's checked proof.
func tokenDPoPKey(ctx context.Context) string {
	if pr := proofFrom(ctx); pr != nil {
		return pr.JKT
	}
	return ""
}

type proofKey struct{}

// proofFrom returns the checked proof of the token request being handled.
func proofFrom(ctx context.Context) *dpop.Proof {
	pr, _ := ctx.Value(proofKey{}).(*dpop.Proof)
	return pr
}

// bindDPoP applies the token request's proof, if any, to what is about to
// be issued: the access token gets cnf.jkt and the response token_type
// DPoP (RFC 9449 §5, §6.1); a public client's new refresh family is bound
// to the key (a confidential client's refresh tokens are bound by its
// authentication already). It returns the token_type.
func (p *Provider) bindDPoP(ctx context.Context, g store.Grant, c fixtures.Client, opt issueOptions) (store.Grant, issueOptions, string) {
	pr := proofFrom(ctx)
	if pr == nil {
		return g, opt, "Bearer"
	}
	extra := make(map[string]any, len(opt.extraClaims)+1)
	maps.Copy(extra, opt.extraClaims)
	extra["cnf"] = confirmation{JKT: pr.JKT}
	opt.extraClaims = extra
	if c.Public && opt.refresh {
		g = g.Clone()
		if g.Extra == nil {
			g.Extra = map[string]string{}
		}
		g.Extra[extraJKT] = pr.JKT
	}
	return g, opt, "DPoP"
}

// checkRefreshBinding refuses to rotate a refresh token bound to a DPoP
// key unless the request's proof is signed by that key (RFC 9449 §5). It
// runs inside the rotation, so a refused request leaves the token usable.
func (p *Provider) checkRefreshBinding(ctx context.Context, g store.Grant) error {
	jkt := g.Extra[extraJKT]
	if jkt == "" {
		return nil
	}
	pr := proofFrom(ctx)
	switch {
	case pr == nil:
		return oauth.InvalidGrant("the refresh token is bound to a DPoP key; send a DPoP proof signed with it")
	case pr.JKT != jkt:
		return oauth.InvalidGrant("the refresh token is bound to another DPoP key")
	}
	return nil
}

// targetURLs are the URIs a proof's htu may name for a request to path:
// the endpoint as discovery advertises it, and as this request reached it
// (another host name for the same listener, say).
func (p *Provider) targetURLs(r *http.Request, path string) []string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return []string{p.url(path), scheme + "://" + r.Host + r.URL.EscapedPath()}
}

// dpopNonces sets the current DPoP-Nonce on responses to requests that
// carry a proof, when the instance requires nonces, so that a client can
// keep its nonce fresh without an error round trip (RFC 9449 §8.2).
func (p *Provider) dpopNonces(next http.Handler) http.Handler {
	if p.dpop == nil || p.dpop.Nonces == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(dpop.Proofs(r.Header)) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&nonceWriter{ResponseWriter: w, nonces: p.dpop.Nonces}, r)
	})
}

// nonceWriter adds a DPoP-Nonce header unless the handler set one (an
// error that carries its own).
type nonceWriter struct {
	http.ResponseWriter
	nonces *dpop.Nonces
	wrote  bool
}

func (w *nonceWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if w.Header().Get(dpop.HeaderNonce) == "" {
			w.Header().Set(dpop.HeaderNonce, w.nonces.Current())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *nonceWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *nonceWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
