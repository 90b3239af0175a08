package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/lifecycle"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// deviceGrant redeems device codes at the token endpoint (RFC 8628 §3.4-3.5).
type deviceGrant struct{ p *Provider }

func (deviceGrant) Type() oauth.GrantType { return oauth.GrantDeviceCode }
func (deviceGrant) AllowPublic() bool     { return true }

func (g deviceGrant) Handle(ctx context.Context, req *oauth.TokenRequest) (*oauth.TokenResponse, error) {
	p := g.p
	deviceCode := req.Form.Get("device_code")
	if deviceCode == "" {
		return nil, oauth.InvalidRequest("device_code is required")
	}
	userCode, ok := deviceCodeUserCode(deviceCode)
	if !ok {
		return nil, errDeviceCodeInvalid()
	}
	hash := hashDeviceCode(deviceCode)
	// The checks run before the poll is recorded: a wrong device code or
	// client changes nothing, and neither does an approval whose user has
	// since been disabled or deleted (signing in and refreshing refuse
	// them too), so the code works again if the user comes back.
	// Polls are timed to the nanosecond, not the whole second tokens use,
	// so the leeway means what it says.
	now := p.deps.Clock.Now()
	auth, err := p.deviceStore().Poll(ctx, p.deps.Store, userCode, now, func(a store.DeviceAuth) error {
		if subtle.ConstantTimeCompare([]byte(a.DeviceHash), []byte(hash)) != 1 {
			return errDeviceCodeInvalid()
		}
		if a.ClientID != req.Client.ID {
			return oauth.InvalidGrant("the device code was issued to another client")
		}
		if a.Status == store.DeviceApproved && now.Before(a.ExpiresAt) {
			if !p.dir.SubjectActive(a.Grant.Subject) {
				return oauth.InvalidGrant("the user who approved the device no longer exists or is disabled")
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrPending):
		return nil, &oauth.Error{Code: oauth.CodeAuthorizationPending, Description: "the user has not yet approved or denied the request"}
	case errors.Is(err, store.ErrSlowDown):
		return nil, &oauth.Error{Code: oauth.CodeSlowDown, Description: fmt.Sprintf("polling too fast; wait at least %d seconds between requests", int64(auth.Interval/time.Second))}
	case errors.Is(err, store.ErrDenied):
		return nil, oauth.AccessDenied("the user denied the request")
	case errors.Is(err, store.ErrExpired):
		return nil, &oauth.Error{Code: oauth.CodeExpiredToken, Description: "the device code has expired; start a new device authorization"}
	case errors.Is(err, store.ErrConsumed):
		return nil, oauth.InvalidGrant("the device code has already been used")
	case errors.Is(err, store.ErrNotFound):
		return nil, errDeviceCodeInvalid()
	case err != nil:
		return nil, err
	}
	// A revocation since the approval kills it; the code is spent now.
	grant, err := p.life.RedeemApproval(ctx, auth.Grant)
	switch {
	case errors.Is(err, lifecycle.ErrApprovalRevoked):
		return nil, oauth.InvalidGrant("the device authorization has been revoked")
	case err != nil:
		return nil, err
	}
	out, err := p.issueTokens(ctx, grant, req.Client, issueOptions{refresh: p.offersRefresh(req.Client), idToken: true})
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

func errDeviceCodeInvalid() *oauth.Error {
	return oauth.InvalidGrant("the device code is invalid")
}
