package authcode

import (
	"context"
	"errors"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// CodeGrant redeems authorization codes (RFC 6749 §4.1.3, RFC 7636 §4.5):
// single use, bound to the client, the redirect_uri and the PKCE challenge
// of the authorization request.
type CodeGrant struct{ f *Flow }

// CodeGrant is the flow's authorization_code grant, for the dialect's
// token endpoint.
func (f *Flow) CodeGrant() CodeGrant { return CodeGrant{f} }

// Type implements oauth.Grant.
func (CodeGrant) Type() oauth.GrantType { return oauth.GrantAuthorizationCode }

// AllowPublic implements oauth.Grant.
func (g CodeGrant) AllowPublic() bool { return g.f.pol.AllowPublic }

// Handle implements oauth.Grant.
func (g CodeGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	return g.Redeem(ctx, req, ReadTokenParams(req.Form))
}

// Redeem answers a token request already read into its parameters.
func (g CodeGrant) Redeem(ctx context.Context, req *oauth.TokenRequest, in TokenParams) (*oauth.TokenResponse, error) {
	f, word := g.f, g.f.pol.Word
	if in.Code == "" {
		return nil, word(MissingParam, "code")
	}
	// Every check runs before the code is consumed, so a request with a
	// wrong verifier or redirect URI leaves the code redeemable. The order
	// is league's: client, redirect_uri, verifier.
	grant, err := f.deps.Store.ConsumeCode(ctx, in.Code, func(gr store.Grant) error {
		switch {
		case gr.ClientID != req.Client.ID:
			return word(CodeOtherClient, "")
		case gr.RedirectURI != "" && in.RedirectURI == "":
			return word(RedirectURIMissing, "redirect_uri")
		case gr.RedirectURI != "" && in.RedirectURI != gr.RedirectURI:
			return word(RedirectURIMismatch, "redirect_uri")
		}
		if err := f.pol.VerifyPKCE(gr, in.CodeVerifier); err != nil {
			return err
		}
		// RFC 9449 §10: a code bound to a DPoP key needs a proof by it.
		if want := gr.Extra[ExtraCodeDPoPKey]; want != "" {
			switch got := f.pol.DPoP.tokenKey(ctx); {
			case got == "":
				return word(CodeDPoPKey, "")
			case got != want:
				return word(CodeDPoPKey, "other")
			}
		}
		// The user signed in on the page, but may have been disabled or
		// deleted through the admin API since: as for a refresh, the code
		// then yields nothing (and stays unconsumed until it expires).
		if gr.Subject != "" {
			if !f.deps.Dir.SubjectActive(gr.Subject) {
				return word(CodeUserGone, "")
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrConsumed):
		if f.pol.Reuse == ReuseRevoke {
			// RFC 6749 §4.1.2: a replayed code revokes what it issued.
			if rerr := f.deps.Life.RevokeGrant(ctx, grant.FamilyID); rerr != nil {
				return nil, rerr
			}
			f.log.InfoContext(ctx, "authorization code replayed; its grant is revoked", "client_id", req.Client.ID)
		} else {
			f.log.InfoContext(ctx, "authorization code replayed; refused, its tokens stay valid", "client_id", req.Client.ID)
		}
		return nil, word(CodeReplayed, "")
	case errors.Is(err, store.ErrExpired):
		return nil, word(CodeExpired, "")
	case errors.Is(err, store.ErrNotFound):
		return nil, word(CodeUnknown, "")
	case err != nil:
		return nil, err
	}
	// A revocation of the code's user, client or grant since it was issued
	// kills it; it is spent now either way. (Judged after consuming: the
	// store's callback may not call back into the store.)
	grant, err = f.deps.Life.RedeemApproval(ctx, grant)
	switch {
	case errors.Is(err, lifecycle.ErrApprovalRevoked):
		return nil, word(CodeRevoked, "")
	case err != nil:
		return nil, err
	}
	if _, ok := grant.Extra[ExtraCodeDPoPKey]; ok {
		grant = grant.Clone()
		delete(grant.Extra, ExtraCodeDPoPKey)
	}
	out, err := f.tokens.Issue(ctx, Issue{Request: req, Grant: grant, Client: req.Client, Refresh: f.pol.OffersRefresh(req.Client)})
	if errors.Is(err, store.ErrRevoked) {
		// A replay of this code, racing this redemption, revoked the grant
		// before its refresh token was stored: the code counts as used.
		return nil, word(CodeReplayed, "")
	}
	return out, err
}

var _ oauth.Grant = CodeGrant{}
