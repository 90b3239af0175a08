package oidc

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/store"
)

// Device authorization grant paths (RFC 8628), relative to the mount.
const (
	PathDeviceAuthorization = "/device_authorization"
	PathDevice              = "/device"
	PathDeviceDecision      = "/device/decision"
)

// pollLeeway is how early a poll may arrive and still be on time: loopback
// jitter, not a second interval.
const pollLeeway = 500 * time.Millisecond

// deviceStore keeps device authorizations under their user code. A record
// outlives its expiry by the code's lifetime again, so that a device that
// polls late hears expired_token instead of invalid_grant.
func (p *Provider) deviceStore() store.Devices {
	return store.Devices{Prefix: "device:", Grace: p.cfg.DeviceCodeTTL.D(), Leeway: pollLeeway}
}

// deviceEnabled reports whether the instance offers the device flow.
func (p *Provider) deviceEnabled() bool {
	return slices.Contains(p.cfg.GrantTypes, string(oauth.GrantDeviceCode))
}

// deviceAuthorizationResponse is RFC 8628 §3.2's body.
type deviceAuthorizationResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// serveDeviceAuthorization is the device authorization endpoint (RFC 8628
// §3.1-3.2). The client authenticates as at the token endpoint (a public
// client by client_id alone); errors are the token endpoint's (§3.2).
func (p *Provider) serveDeviceAuthorization(w http.ResponseWriter, r *http.Request) error {
	form, client, err := oauth.ReadClientRequest(w, r, p.clients, p.deps.MaxBody, "the device authorization endpoint")
	if err != nil {
		return err
	}
	if !client.Client.AllowsGrant(string(oauth.GrantDeviceCode)) {
		return oauth.UnauthorizedClient("the client is not allowed to use grant_type %q", oauth.GrantDeviceCode)
	}
	scopes, err := p.grantScopes(client.Client, form.Get("scope"))
	if err != nil {
		return err
	}
	token, err := p.deps.RandomToken()
	if err != nil {
		return err
	}
	now := p.now()
	ttl := p.cfg.DeviceCodeTTL.D()
	auth := store.DeviceAuth{
		ClientID:  client.Client.ID,
		Scopes:    scopes,
		ExpiresAt: now.Add(ttl),
		Interval:  p.cfg.DevicePollInterval.D(),
		Status:    store.DevicePending,
	}
	// 20^8 codes make a clash with a live one rare; a few draws make it
	// practically impossible.
	var userCode string
	for range 5 {
		if userCode, err = p.newUserCode(); err != nil {
			return err
		}
		auth.DeviceHash = hashDeviceCode(newDeviceCode(token, userCode))
		if err = p.deviceStore().Create(r.Context(), p.deps.Store, userCode, auth); !errors.Is(err, store.ErrExists) {
			break
		}
	}
	if err != nil {
		return err
	}
	shown := formatUserCode(userCode)
	httpx.NoStore(w)
	httpx.WriteJSON(w, http.StatusOK, deviceAuthorizationResponse{
		DeviceCode:              newDeviceCode(token, userCode),
		UserCode:                shown,
		VerificationURI:         p.url(PathDevice),
		VerificationURIComplete: p.url(PathDevice) + "?" + url.Values{"user_code": {shown}}.Encode(),
		ExpiresIn:               int64(ttl / time.Second),
		Interval:                int64(auth.Interval / time.Second),
	})
	return nil
}
