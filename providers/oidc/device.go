package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
)

// Device authorization grant paths (RFC 8628), relative to the mount.
const (
	PathDeviceAuthorization = "/device_authorization"
	PathDevice              = "/device"
	PathDeviceDecision      = "/device/decision"
)

// userCodeAlphabet has no vowels (no words), and no digits or letters that
// read alike (0/O, 1/I/L, 5/S): RFC 8628 §6.1's advice. 20^8 codes.
const (
	userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"
	userCodeLength   = 8
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

// newUserCode draws a user code uniformly from the alphabet: bytes of 240
// and above are redrawn, as 240 is the largest multiple of 20 below 256.
func (p *Provider) newUserCode() (string, error) {
	out := make([]byte, 0, userCodeLength)
	for len(out) < userCodeLength {
		b, err := p.deps.RandomBytes(2 * userCodeLength)
		if err != nil {
			return "", err
		}
		for _, c := range b {
			if c < 240 && len(out) < userCodeLength {
				out = append(out, userCodeAlphabet[int(c)%len(userCodeAlphabet)])
			}
		}
	}
	return string(out), nil
}

// normalizeUserCode turns what a person typed ("wdjb mjht", "WDJB-MJHT")
// into the stored form, or reports that it cannot be a user code. Case,
// dashes and white space are ignored (RFC 8628 §6.1).
func normalizeUserCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		if r > 'Z' || !strings.ContainsRune(userCodeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != userCodeLength {
		return "", false
	}
	return b.String(), true
}

// formatUserCode shows a stored user code the way people read it.
func formatUserCode(code string) string {
	if len(code) != userCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// The device code is a random token followed by the user code it belongs
// to, so that a poll finds its record in one atomic store call; only its
// hash is stored.
func newDeviceCode(token, userCode string) string { return token + "." + userCode }

func deviceCodeUserCode(deviceCode string) (string, bool) {
	i := strings.LastIndexByte(deviceCode, '.')
	if i < 0 {
		return "", false
	}
	uc := deviceCode[i+1:]
	if n, ok := normalizeUserCode(uc); !ok || n != uc {
		return "", false
	}
	return uc, true
}

func hashDeviceCode(deviceCode string) string {
	sum := sha256.Sum256([]byte(deviceCode))
	return hex.EncodeToString(sum[:])
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
	form, client, err := oauth.ReadClientRequest(w, r, p.dir, p.deps.MaxBody, "the device authorization endpoint")
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
	// client changes nothing.
	// Polls are timed to the nanosecond, not the whole second tokens use,
	// so the leeway means what it says.
	auth, err := p.deviceStore().Poll(ctx, p.deps.Store, userCode, p.deps.Clock.Now(), func(a store.DeviceAuth) error {
		if subtle.ConstantTimeCompare([]byte(a.DeviceHash), []byte(hash)) != 1 {
			return errDeviceCodeInvalid()
		}
		if a.ClientID != req.Client.ID {
			return oauth.InvalidGrant("the device code was issued to another client")
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
	out, err := p.issueTokens(ctx, auth.Grant, req.Client, issueOptions{refresh: p.offersRefresh(req.Client), idToken: true})
	if err != nil {
		return nil, err
	}
	return out.TokenResponse, nil
}

func errDeviceCodeInvalid() *oauth.Error {
	return oauth.InvalidGrant("the device code is invalid")
}

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
