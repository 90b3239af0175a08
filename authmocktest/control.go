package authmocktest

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/authmock/authmock/internal/provider"
)

type (
	// TokenSelector names the tokens Revoke and Expire act on: one token,
	// a jti, every token of a user, or every token of a client.
	TokenSelector = provider.TokenSelector
	// Selected counts the tokens a Revoke or Expire affected.
	Selected = provider.Selected
)

// capability returns the instance called name as C, failing the test when
// there is no such instance or it cannot do what is asked.
func capability[C any](s *Server, name, what string) C {
	if s.t != nil {
		s.t.Helper()
	}
	p := s.srv.Provider(name)
	if p == nil {
		s.fatalf("no provider instance %q", name)
	}
	c, ok := provider.As[C](p)
	if !ok {
		s.fatalf("provider %q cannot %s", name, what)
	}
	return c
}

// Revoke makes the selected tokens of an instance fail from now on with
// the dialect's revoked-token error; tokens issued later are unaffected.
func (s *Server) Revoke(providerName string, sel TokenSelector) Selected {
	if s.t != nil {
		s.t.Helper()
	}
	n, err := capability[provider.Revoker](s, providerName, "revoke tokens").Revoke(context.Background(), sel)
	if err != nil {
		s.fatalf("revoking %+v at %q: %v", sel, providerName, err)
	}
	return n
}

// Expire makes the selected access tokens fail from now on with the
// dialect's expired-token error, while a user's refresh tokens keep
// working: the moment a client must refresh, without moving the clock.
func (s *Server) Expire(providerName string, sel TokenSelector) Selected {
	if s.t != nil {
		s.t.Helper()
	}
	n, err := capability[provider.Revoker](s, providerName, "expire tokens").Expire(context.Background(), sel)
	if err != nil {
		s.fatalf("expiring %+v at %q: %v", sel, providerName, err)
	}
	return n
}

// PutFixture adds or replaces an item of one of an instance's fixture
// collections ("clients", "users", "clouds" for Dotypos), given in the
// configuration file's format: a struct, a map or a JSON string. It
// reports whether the item is new.
func (s *Server) PutFixture(providerName, kind, id string, item any) bool {
	if s.t != nil {
		s.t.Helper()
	}
	raw, err := asJSON(item)
	if err != nil {
		s.fatalf("encoding the %s item %q: %v", kind, id, err)
	}
	created, err := capability[provider.FixtureEditor](s, providerName, "edit fixtures").PutFixture(context.Background(), kind, id, raw)
	if err != nil {
		s.fatalf("putting %s %q at %q: %v", kind, id, providerName, err)
	}
	return created
}

// DeleteFixture removes an item, revoking the tokens of a deleted client
// or user; it reports whether the item existed.
func (s *Server) DeleteFixture(providerName, kind, id string) bool {
	if s.t != nil {
		s.t.Helper()
	}
	err := capability[provider.FixtureEditor](s, providerName, "edit fixtures").DeleteFixture(context.Background(), kind, id)
	if errors.Is(err, provider.ErrNoFixture) {
		return false
	}
	if err != nil {
		s.fatalf("deleting %s %q at %q: %v", kind, id, providerName, err)
	}
	return true
}

// Fixtures returns a collection's items, secrets included, sorted by id.
func (s *Server) Fixtures(providerName, kind string) []json.RawMessage {
	if s.t != nil {
		s.t.Helper()
	}
	items, err := capability[provider.FixtureEditor](s, providerName, "edit fixtures").ListFixtures(context.Background(), kind)
	if err != nil {
		s.fatalf("listing %s at %q: %v", kind, providerName, err)
	}
	return items
}

func asJSON(item any) (json.RawMessage, error) {
	switch v := item.(type) {
	case string:
		return json.RawMessage(v), nil
	case []byte:
		return json.RawMessage(v), nil
	case json.RawMessage:
		return v, nil
	}
	return json.Marshal(item)
}

// DeviceDecided is what ApproveDevice and DenyDevice did.
type DeviceDecided = provider.DeviceDecided

// ApproveDevice approves a pending device authorization (RFC 8628) of an
// instance as username, as the admin API's
// POST /_authmock/providers/{name}/device/{user_code}/approve does: the
// device's next poll gets tokens. scopes, when given, narrow what was
// asked for. userCode may be typed in any case, with or without its dash.
func (s *Server) ApproveDevice(providerName, userCode, username string, scopes ...string) DeviceDecided {
	if s.t != nil {
		s.t.Helper()
	}
	d := provider.DeviceDecision{Approve: true, Username: username, Scopes: scopes}
	res, err := capability[provider.DeviceDecider](s, providerName, "decide device authorizations").DecideDevice(context.Background(), userCode, d)
	if err != nil {
		s.fatalf("approving device code %q at %q: %v", userCode, providerName, err)
	}
	return res
}

// DenyDevice denies a pending device authorization: the device's next
// poll gets access_denied.
func (s *Server) DenyDevice(providerName, userCode string) DeviceDecided {
	if s.t != nil {
		s.t.Helper()
	}
	res, err := capability[provider.DeviceDecider](s, providerName, "decide device authorizations").DecideDevice(context.Background(), userCode, provider.DeviceDecision{})
	if err != nil {
		s.fatalf("denying device code %q at %q: %v", userCode, providerName, err)
	}
	return res
}
