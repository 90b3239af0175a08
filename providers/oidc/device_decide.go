package oidc

import (
	"context"
	"errors"
	"fmt"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// DecideDevice implements provider.DeviceDecider for the admin API.
func (p *Provider) DecideDevice(ctx context.Context, userCode string, d provider.DeviceDecision) (provider.DeviceDecided, error) {
	code, ok := normalizeUserCode(userCode)
	if !ok {
		return provider.DeviceDecided{}, provider.ErrUnknownUserCode
	}
	if !d.Approve {
		return p.decideDevice(ctx, code, nil, nil)
	}
	u, ok := p.dir.User(d.Username)
	switch {
	case d.Username == "":
		return provider.DeviceDecided{}, fmt.Errorf("%w: approving needs a username", provider.ErrInvalidDecision)
	case !ok:
		return provider.DeviceDecided{}, fmt.Errorf("%w: no user %q", provider.ErrInvalidDecision, d.Username)
	case u.Disabled:
		return provider.DeviceDecided{}, fmt.Errorf("%w: user %q is disabled", provider.ErrInvalidDecision, d.Username)
	}
	return p.decideDevice(ctx, code, &u, d.Scopes)
}

// decideDevice approves as user (narrowing the scopes to scopes, when
// given) or, with a nil user, denies the authorization under code. The
// admin API and the /device page both decide through it.
func (p *Provider) decideDevice(ctx context.Context, code string, user *fixtures.User, scopes []string) (provider.DeviceDecided, error) {
	now := p.now()
	ds := p.deviceStore()
	var grant store.Grant
	if user != nil {
		auth, err := ds.Get(ctx, p.deps.Store, code, now)
		if err != nil {
			return provider.DeviceDecided{}, deviceDecisionError(err)
		}
		granted, err := oauth.Narrow(auth.Scopes, scopes)
		if err != nil {
			return provider.DeviceDecided{}, fmt.Errorf("%w: %s", provider.ErrInvalidDecision, oauth.From(err).Description)
		}
		family, err := p.deps.RandomHex(16)
		if err != nil {
			return provider.DeviceDecided{}, err
		}
		grant = store.Grant{
			FamilyID: family,
			ClientID: auth.ClientID,
			Subject:  user.SubjectOrUsername(),
			Username: user.Username,
			Scopes:   granted,
			AuthTime: now,
			// Revoking the user, client or grant before the device
			// polls reaches the approval (deviceGrant).
			Seq: p.life.StampApproval(),
		}
	}
	auth, err := ds.Decide(ctx, p.deps.Store, code, now, user != nil, grant)
	if err != nil {
		return provider.DeviceDecided{}, deviceDecisionError(err)
	}
	out := provider.DeviceDecided{UserCode: formatUserCode(code), ClientID: auth.ClientID, Status: string(auth.Status)}
	if user != nil {
		out.Username, out.Scopes = user.Username, auth.Grant.Scopes
	}
	p.log.InfoContext(ctx, "device authorization decided", "client_id", auth.ClientID, "status", auth.Status)
	return out, nil
}

func deviceDecisionError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return provider.ErrUnknownUserCode
	case errors.Is(err, store.ErrDecided):
		return provider.ErrAlreadyDecided
	}
	return err
}
