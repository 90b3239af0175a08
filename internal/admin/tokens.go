package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/authmock/authmock/internal/provider"
)

// instance returns the provider instance the path names, implementing
// capability C, or an error saying which part is missing.
func instance[C any](a *Admin, r *http.Request, capability string) (C, error) {
	var none C
	name := pathVar(r, "name")
	p := a.Providers(name)
	if p == nil {
		return none, notFound("no provider instance %q; GET /_authmock/providers lists them", name)
	}
	c, ok := provider.As[C](p)
	if !ok {
		return none, &apiError{status: http.StatusNotImplemented, code: "not_supported", description: "provider instance " + name + " cannot " + capability}
	}
	return c, nil
}

// mint issues a token outside any flow.
func (a *Admin) mint(w http.ResponseWriter, r *http.Request) error {
	m, err := instance[provider.Minter](a, r, "mint tokens")
	if err != nil {
		return err
	}
	var req provider.MintRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.ClientID == "" && req.Username == "" {
		return badRequest(`set "client_id", "username" or both`)
	}
	if req.TTLSeconds < 0 {
		return badRequest(`"ttl_seconds" must not be negative`)
	}
	res, err := m.Mint(r.Context(), req)
	if err != nil {
		// Mint fails on what the request names (an unknown client or user,
		// a scope the dialect does not have); its message says which.
		return badRequest("%v", err)
	}
	return writeJSON(w, http.StatusCreated, res)
}

func (a *Admin) revokeTokens(w http.ResponseWriter, r *http.Request) error {
	return a.selectTokens(w, r, "revoke tokens", provider.Revoker.Revoke)
}

func (a *Admin) expireTokens(w http.ResponseWriter, r *http.Request) error {
	return a.selectTokens(w, r, "expire tokens", provider.Revoker.Expire)
}

// selectTokens runs a revoke or expire call and reports what it affected.
func (a *Admin) selectTokens(w http.ResponseWriter, r *http.Request, what string, act func(provider.Revoker, context.Context, provider.TokenSelector) (provider.Selected, error)) error {
	rv, err := instance[provider.Revoker](a, r, what)
	if err != nil {
		return err
	}
	var sel provider.TokenSelector
	if err := decode(r, &sel); err != nil {
		return err
	}
	if err := sel.Validate(); err != nil {
		return badRequest("%v", err)
	}
	n, err := act(rv, r.Context(), sel)
	if errors.Is(err, provider.ErrUnknownToken) {
		return notFound("%v (a token is forgotten once it expires)", err)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}
