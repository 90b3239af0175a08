package provider

import (
	"context"
	"errors"
)

// DeviceDecider is implemented by providers with a device authorization
// grant (RFC 8628): the admin API approves or denies a pending user code
// with it, so that a test can complete the flow without a browser.
type DeviceDecider interface {
	// DecideDevice approves (as d.Username, optionally narrowed to
	// d.Scopes) or denies the authorization shown as userCode, in any of
	// its accepted spellings. It returns ErrUnknownUserCode,
	// ErrAlreadyDecided, or an error wrapping ErrInvalidDecision.
	DecideDevice(ctx context.Context, userCode string, d DeviceDecision) (DeviceDecided, error)
}

// DeviceDecision is the admin API's approve or deny body.
type DeviceDecision struct {
	Approve  bool     `json:"-"`
	Username string   `json:"username"`
	Scopes   []string `json:"scopes,omitempty"`
}

// DeviceDecided is what a decision did.
type DeviceDecided struct {
	UserCode string   `json:"user_code"`
	ClientID string   `json:"client_id"`
	Status   string   `json:"status"`
	Username string   `json:"username,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
}

var (
	// ErrUnknownUserCode means no live device authorization has this user
	// code (it never existed or has expired); the admin API answers 404.
	ErrUnknownUserCode = errors.New("no pending device authorization has this user code")
	// ErrAlreadyDecided means the authorization was approved or denied
	// before; the admin API answers 409.
	ErrAlreadyDecided = errors.New("the device authorization was already approved or denied")
	// ErrInvalidDecision means the decision names an unknown or disabled
	// user, or scopes beyond the request; the admin API answers 400.
	ErrInvalidDecision = errors.New("invalid device decision")
)
