package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/authmock/authmock/fixtures"
)

// TokenSelector names the tokens an admin revoke or expire call acts on.
// Exactly one field is set.
type TokenSelector struct {
	// Token is a token as the instance issued it: an access token or a
	// refresh token.
	Token string `json:"token,omitempty"`
	// JTI is an access token's "jti" (or, for opaque access tokens, the id
	// the admin API's mint call returned).
	JTI string `json:"jti,omitempty"`
	// Username selects every token issued to a user.
	Username string `json:"username,omitempty"`
	// ClientID selects every token issued to a client.
	ClientID string `json:"client_id,omitempty"`
}

// Validate reports a selector that does not name exactly one thing.
func (s TokenSelector) Validate() error {
	n := 0
	for _, v := range []string{s.Token, s.JTI, s.Username, s.ClientID} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New(`set exactly one of "token", "jti", "username" and "client_id"`)
	}
	return nil
}

// Selected is what a revoke or expire call affected.
type Selected struct {
	// AccessTokens and RefreshTokens count the live tokens the call
	// affected; grants count refresh-token families, not every rotated
	// token.
	AccessTokens  int `json:"access_tokens"`
	RefreshTokens int `json:"refresh_tokens"`
}

// Revoker is implemented by providers whose tokens the admin API can revoke
// and expire. Both calls act on tokens issued before the call only: a new
// login afterwards works, even on a frozen clock.
type Revoker interface {
	// Revoke makes the selected access and refresh tokens fail from now on
	// with the dialect's error for a revoked or invalid token.
	Revoke(ctx context.Context, sel TokenSelector) (Selected, error)
	// Expire makes the selected access tokens fail from now on with the
	// dialect's error for an expired token. A user's or client's refresh
	// tokens stay usable, so a client can exercise its refresh path; a
	// refresh token named by Token is expired itself.
	Expire(ctx context.Context, sel TokenSelector) (Selected, error)
}

// ErrUnknownToken means a selector's token or jti is not one the instance
// issued (or it has already expired and been forgotten); the admin API
// answers 404.
var ErrUnknownToken = errors.New("no live token of this instance matches")

// FixtureEditor is implemented by providers whose fixtures (clients, users,
// and dialect-specific collections such as Dotypos clouds) the admin API can
// list and change at runtime. Items are JSON objects in the configuration
// file's own format, secrets included: the admin API masks them.
type FixtureEditor interface {
	// FixtureKinds names the editable collections, "clients" and "users"
	// first.
	FixtureKinds() []string
	// ListFixtures returns every item of a collection, sorted by id.
	ListFixtures(ctx context.Context, kind string) ([]json.RawMessage, error)
	// GetFixture returns one item; ErrNoFixture when there is none.
	GetFixture(ctx context.Context, kind, id string) (json.RawMessage, error)
	// PutFixture creates or replaces the item id with item, reporting
	// whether it was created. Invalid items give a *FixtureError and
	// change nothing.
	PutFixture(ctx context.Context, kind, id string, item json.RawMessage) (created bool, err error)
	// DeleteFixture removes an item; ErrNoFixture when there is none.
	// Deleting a client or user also revokes its tokens.
	DeleteFixture(ctx context.Context, kind, id string) error
}

// ErrNoFixture means no item of that kind has that id, or the kind is not
// one the instance has.
var ErrNoFixture = errors.New("no such fixture")

// FixtureError is an item PutFixture refused, with every problem found.
type FixtureError struct {
	Problems fixtures.Problems
}

func (e *FixtureError) Error() string {
	return fmt.Sprintf("invalid fixture: %v", e.Problems.Err())
}
