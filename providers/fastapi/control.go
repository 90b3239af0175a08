package fastapi

import (
	"context"
	"errors"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// resolve reads a token as issued: an access token by its session (JWT or
// opaque, whether or not past its exp while the session lasts), a refresh
// token by its store record. A refresh token that was already used or
// whose family was revoked is ours but dead: nothing to do. Anything else
// is unknown.
func (p *Provider) resolve(ctx context.Context, token string) (lifecycle.Facts, error) {
	s, found, err := p.lookupSession(ctx, token)
	if err != nil {
		return lifecycle.Facts{}, err
	}
	if found {
		return s.facts(), nil
	}
	rec, err := p.deps.Store.LookupRefresh(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return lifecycle.Facts{}, provider.ErrUnknownToken
	case errors.Is(err, store.ErrReused), errors.Is(err, store.ErrRevoked):
		return lifecycle.Facts{}, nil
	case err != nil:
		return lifecycle.Facts{}, err
	}
	return lifecycle.RefreshFacts(rec), nil
}
