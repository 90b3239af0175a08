package oidc

import (
	"context"
	"errors"
	"net/http"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/oauth/dpop"
)

// accessFromRequest verifies the access token a protected resource request
// presents, as Bearer (RFC 6750) or, when DPoP is on, with the DPoP scheme
// and a proof (RFC 9449 §7): a DPoP-bound token needs the DPoP scheme and a
// proof by its key with ath; a Bearer token must not come as DPoP, nor a
// DPoP-bound one as Bearer (§7.2, no downgrade). The proof returned, if
// any, is spent; a caller that fails afterwards releases it (releaseProof).
func (p *Provider) accessFromRequest(r *http.Request, path string) (*accessClaims, *dpop.Proof, error) {
	ctx := r.Context()
	if token, ok := httpx.AuthScheme(r, "DPoP"); ok && p.dpop != nil {
		claims, err := p.verifyAccessToken(ctx, token)
		if err != nil {
			return nil, nil, p.resourceError(err)
		}
		if claims.Cnf == nil {
			return nil, nil, p.resourceError(oauth.InvalidToken("the access token is not DPoP-bound; present it as a Bearer token"))
		}
		proof, err := p.dpop.Verify(ctx, dpop.Request{
			Proofs: dpop.Proofs(r.Header), Method: r.Method, URLs: p.targetURLs(r, path),
			AccessToken: token, JKT: claims.Cnf.JKT,
		})
		if errors.Is(err, dpop.ErrNoProof) {
			err = dpop.InvalidProof("a DPoP proof is required with the DPoP authorization scheme")
		}
		if err != nil {
			return nil, nil, p.resourceError(err)
		}
		return claims, proof, nil
	}
	token, err := p.bearerFromRequest(r)
	if err != nil {
		var e *oauth.Error
		if p.dpop != nil && errors.As(err, &e) && e.Header.Get("WWW-Authenticate") != "" {
			// No credentials at all: both schemes are offered (RFC 9449 §7.1).
			e.WithHeader("WWW-Authenticate", dpop.Challenge(p.deps.Issuer, nil, p.dpop.Algs))
		}
		return nil, nil, err
	}
	claims, err := p.verifyAccessToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	// With DPoP off the instance knows no proofs, so cnf binds nothing.
	if claims.Cnf != nil && p.dpop != nil {
		return nil, nil, p.resourceError(oauth.InvalidToken("the access token is DPoP-bound; present it with the DPoP authorization scheme and a proof"))
	}
	return claims, nil, nil
}

// resourceError words an error of a DPoP request to a protected resource
// as RFC 9449 §7.1 wants: 401 with a DPoP challenge.
func (p *Provider) resourceError(err error) error {
	return dpop.ForResource(oauth.From(err), p.deps.Issuer, p.dpop.Algs)
}

// releaseProof gives back the jti of a proof whose request failed after
// it was checked, so that the failed request changed no state.
func (p *Provider) releaseProof(ctx context.Context, proof *dpop.Proof, err error) {
	if proof == nil || err == nil {
		return
	}
	if rerr := p.dpop.Release(ctx, proof); rerr != nil {
		p.log.WarnContext(ctx, "a failed request's DPoP proof stays spent", "err", rerr)
	}
}
