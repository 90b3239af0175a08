package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Device-flow outcomes of Devices.Poll and Devices.Decide, beside
// ErrNotFound, ErrExpired, ErrConsumed and ErrExists.
var (
	// ErrPending means nobody has approved or denied the authorization yet.
	ErrPending = errors.New("store: device authorization pending")
	// ErrSlowDown means the device polled sooner than its interval allows;
	// the interval has grown by DeviceSlowDownStep.
	ErrSlowDown = errors.New("store: device polled too fast")
	// ErrDenied means the user denied the authorization.
	ErrDenied = errors.New("store: device authorization denied")
	// ErrDecided means the authorization was already approved or denied.
	ErrDecided = errors.New("store: device authorization already decided")
)

// DeviceSlowDownStep is how much a too-early poll adds to the interval
// (RFC 8628 §3.5: "for this and all subsequent requests").
const DeviceSlowDownStep = 5 * time.Second

// DeviceStatus is where a device authorization stands.
type DeviceStatus string

// Device authorization states. Pending moves once to Approved or Denied;
// Approved moves once to Redeemed.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceRedeemed DeviceStatus = "redeemed"
)

// DeviceAuth is one device authorization (RFC 8628 §3.1-3.5), kept under
// its user code. The device code itself is not kept, only its hash, so a
// listing of the records cannot be replayed at the token endpoint.
type DeviceAuth struct {
	DeviceHash string        `json:"device_hash"`
	ClientID   string        `json:"client_id"`
	Scopes     []string      `json:"scopes,omitempty"`
	ExpiresAt  time.Time     `json:"expires_at"`
	Interval   time.Duration `json:"interval"`
	LastPoll   time.Time     `json:"last_poll,omitzero"`
	Status     DeviceStatus  `json:"status"`
	// Grant is what the user approved: set with DeviceApproved.
	Grant Grant `json:"grant,omitzero"`
}

// Devices keeps device authorizations as records, so that every backend
// (and every replica sharing one) decides each step in one atomic
// UpdateRecord: one approval wins, one poll redeems.
type Devices struct {
	// Prefix namespaces the record keys ("device:").
	Prefix string
	// Grace keeps a record this long past its ExpiresAt, so that a late
	// poll is told expired_token rather than that the code is unknown.
	Grace time.Duration
	// Leeway lets a poll come this much before its interval is up and
	// still count as on time: a client polling on a ticker (x/oauth2) is
	// evenly spaced when it sends, not when the server receives.
	Leeway time.Duration
}

// Create stores a new authorization under userCode. A live record under
// the same user code gives ErrExists and is left as it is.
func (d Devices) Create(ctx context.Context, rs Records, userCode string, a DeviceAuth) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return rs.UpdateRecord(ctx, d.Prefix+userCode, func(_ []byte, found bool) ([]byte, time.Time, error) {
		if found {
			return nil, time.Time{}, ErrExists
		}
		return b, a.ExpiresAt.Add(d.Grace), nil
	})
}

// Get returns the authorization under userCode: ErrNotFound, or the record
// with ErrExpired once now reaches its ExpiresAt.
func (d Devices) Get(ctx context.Context, rs Records, userCode string, now time.Time) (DeviceAuth, error) {
	var a DeviceAuth
	b, err := rs.GetRecord(ctx, d.Prefix+userCode)
	if errors.Is(err, ErrExpired) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, err
	}
	if !now.Before(a.ExpiresAt) {
		return a, ErrExpired
	}
	return a, nil
}

// Decide approves (with the grant g) or denies a pending authorization.
// It returns the record as decided; ErrNotFound, ErrExpired, or ErrDecided
// (with the record) change nothing.
func (d Devices) Decide(ctx context.Context, rs Records, userCode string, now time.Time, approve bool, g Grant) (DeviceAuth, error) {
	return d.update(ctx, rs, userCode, func(a *DeviceAuth) error {
		switch {
		case !now.Before(a.ExpiresAt):
			return ErrExpired
		case a.Status != DevicePending:
			return ErrDecided
		case approve:
			a.Status, a.Grant = DeviceApproved, g.Clone()
		default:
			a.Status = DeviceDenied
		}
		return nil
	})
}

// Poll is one token request for the authorization under userCode (RFC 8628
// §3.4-3.5). check sees the record first; its error is returned as is and
// changes nothing (a wrong device code or client). Then, in order: an
// expired one gives ErrExpired, a redeemed one ErrConsumed, a denied one
// ErrDenied; an approved one is redeemed and returned with nil, exactly
// once. A pending one records the poll and gives ErrPending, or, polled
// sooner than its interval after the last poll, grows the interval and
// gives ErrSlowDown. No error but ErrSlowDown and ErrPending changes state,
// so a failed poll never uses the code up.
func (d Devices) Poll(ctx context.Context, rs Records, userCode string, now time.Time, check func(DeviceAuth) error) (DeviceAuth, error) {
	return d.update(ctx, rs, userCode, func(a *DeviceAuth) error {
		if check != nil {
			if err := check(*a); err != nil {
				return err
			}
		}
		switch {
		case !now.Before(a.ExpiresAt):
			return ErrExpired
		case a.Status == DeviceRedeemed:
			return ErrConsumed
		case a.Status == DeviceDenied:
			return ErrDenied
		case a.Status == DeviceApproved:
			a.Status = DeviceRedeemed
			return nil
		case !a.LastPoll.IsZero() && now.Sub(a.LastPoll) < a.Interval-d.Leeway:
			a.Interval += DeviceSlowDownStep
			a.LastPoll = now
			return errKeep{ErrSlowDown}
		default:
			a.LastPoll = now
			return errKeep{ErrPending}
		}
	})
}

// errKeep is an outcome that is an error for the caller but whose state
// change is stored all the same (a poll's time, a grown interval).
type errKeep struct{ err error }

func (e errKeep) Error() string { return e.err.Error() }

// update runs change on the decoded record in one atomic UpdateRecord.
// The record returned is the one stored, or the unchanged one with an
// error.
func (d Devices) update(ctx context.Context, rs Records, userCode string, change func(*DeviceAuth) error) (DeviceAuth, error) {
	var (
		out  DeviceAuth
		kept error
	)
	// update may run more than once (a backend retries on contention), so
	// it sets what it reports afresh each time.
	err := rs.UpdateRecord(ctx, d.Prefix+userCode, func(old []byte, found bool) ([]byte, time.Time, error) {
		kept = nil
		if !found {
			return nil, time.Time{}, ErrNotFound
		}
		var a DeviceAuth
		if err := json.Unmarshal(old, &a); err != nil {
			return nil, time.Time{}, err
		}
		out = a
		cerr := change(&a)
		var keep errKeep
		switch {
		case errors.As(cerr, &keep):
			kept = keep.err
		case cerr != nil:
			return nil, time.Time{}, cerr
		}
		b, err := json.Marshal(a)
		if err != nil {
			return nil, time.Time{}, err
		}
		out = a
		return b, a.ExpiresAt.Add(d.Grace), nil
	})
	if err != nil {
		return out, err
	}
	return out, kept
}
