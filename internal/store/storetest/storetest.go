// Package storetest is the conformance suite for store.Backend. Every
// implementation runs it from its own tests, so that the guarantees written
// in package store (single-use codes, refresh rotation with reuse detection,
// namespace isolation, atomic updates) are checked once, the same way, for
// all of them:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, clk clock.Clock) store.Backend {
//			return mybackend.New(clk)
//		})
//	}
//
// The suite checks only what package store documents; limits such as entry
// caps are implementation-specific and tested by each implementation.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/store"
)

// factory builds a fresh, empty backend judging time by clk.
type factory = func(t *testing.T, clk clock.Clock) store.Backend

// Run runs the conformance suite. newBackend must return a fresh, empty
// backend reading time only from clk; the suite closes it when the subtest
// ends. Time is driven with a frozen clock, so the suite never sleeps.
func Run(t *testing.T, newBackend func(t *testing.T, clk clock.Clock) store.Backend) {
	t.Run("Codes", func(t *testing.T) { testCodes(t, newBackend) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefresh(t, newBackend) })
	t.Run("Liveness", func(t *testing.T) { testLiveness(t, newBackend) })
	t.Run("Records", func(t *testing.T) { testRecords(t, newBackend) })
	t.Run("Devices", func(t *testing.T) { testDevices(t, newBackend) })
	t.Run("Namespaces", func(t *testing.T) { testNamespaces(t, newBackend) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newBackend) })
}

// t0 is where every fixture's clock starts: a fixed instant, so failures
// reproduce.
var t0 = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

const (
	tenYears = 10 * 365 * 24 * time.Hour
	tick     = time.Nanosecond // the smallest step the clock can take
)

// errBoom is what failing callbacks return; the store must hand it back.
var errBoom = errors.New("storetest: boom")

// fixture is one subtest's backend, its default namespace and its clock.
type fixture struct {
	ctx context.Context
	clk *clock.Controlled
	be  store.Backend
	st  store.Store
}

func setup(t *testing.T, newBackend factory) *fixture {
	t.Helper()
	clk := clock.NewFrozen(t0)
	be := newBackend(t, clk)
	require.NotNil(t, be, "newBackend returned nil")
	t.Cleanup(func() { assert.NoError(t, be.Close(), "Close") })
	return &fixture{ctx: t.Context(), clk: clk, be: be, st: be.Namespace("storetest")}
}

func (f *fixture) now() time.Time { return f.clk.Now() }

// grant returns a fully populated grant, fresh on every call so tests can
// compare against a pristine copy after mutating another.
func grant(familyID string) store.Grant {
	return store.Grant{
		FamilyID:            familyID,
		ClientID:            "client-1",
		Subject:             "user-1",
		Username:            "alice",
		Scopes:              []string{"openid", "profile", "offline_access"},
		AuthTime:            t0.Add(-time.Minute),
		RedirectURI:         "https://rp.example/callback",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		Nonce:               "nonce-1",
		Extra:               map[string]string{"cloud_id": "42"},
	}
}

// refresh returns a refresh record of familyID issued at t0.
func refresh(familyID string, expiresAt time.Time) store.RefreshRecord {
	return store.RefreshRecord{Grant: grant(familyID), IssuedAt: t0, ExpiresAt: expiresAt}
}

// assertExpiredOrGone accepts what the store may say about an entry past
// its expiry: ErrExpired, or ErrNotFound once it has been purged.
func assertExpiredOrGone(t *testing.T, err error, msgAndArgs ...any) bool {
	t.Helper()
	if errors.Is(err, store.ErrExpired) || errors.Is(err, store.ErrNotFound) {
		return true
	}
	return assert.Fail(t, "want ErrExpired or ErrNotFound, got "+errString(err), msgAndArgs...)
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// mustNotUpdate is an update func for rotations that must fail before
// reaching it.
func mustNotUpdate(t *testing.T) func(store.RefreshRecord) (store.RefreshRecord, error) {
	return func(r store.RefreshRecord) (store.RefreshRecord, error) {
		t.Helper()
		assert.Fail(t, "update called for a rotation that should have been refused")
		return r, nil
	}
}

// keep is an update func that carries the presented record over unchanged.
func keep(r store.RefreshRecord) (store.RefreshRecord, error) { return r, nil }

func errorIsAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
