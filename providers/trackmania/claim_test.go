package trackmania

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/redistest"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/internal/store/redis"
)

// onStore builds an instance on st and returns it with its router.
func onStore(tb testing.TB, st store.Store) (*Provider, *mux.Router) {
	tb.Helper()
	p, err := New(provider.Deps{
		Name: "trackmania", Issuer: "http://trackmania.test" + pathPrefix, Clock: clock.NewFrozen(t0), Store: st,
		Logger: slog.New(slog.DiscardHandler), Rand: rand.Reader, MaxBody: testMaxBody,
	}, testConfig(tb, nil))
	require.NoError(tb, err)
	root := mux.NewRouter().SkipClean(true).UseEncodedPath()
	p.Mount(root.PathPrefix(pathPrefix).Subrouter())
	return p, root
}

func redisNamespace(tb testing.TB) store.Store {
	tb.Helper()
	b, err := redis.Open(tb.Context(), redistest.Start(tb)+"?prefix=tm-claim:", clock.NewFrozen(t0))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = b.Close() })
	return b.Namespace("trackmania")
}

func refreshOn(router *mux.Router, rt string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, tokenRequest("grant_type=refresh_token&client_id="+webID+"&client_secret="+webSecret+"&refresh_token="+rt))
	return rec
}

// On a shared store, a refresh whose token another replica has claimed is
// refused as a used token and changes nothing: once the claim is gone (its
// rotation failed), the token refreshes.
func TestLeagueRefreshRespectsAnotherReplicasClaim(t *testing.T) {
	st := redisNamespace(t)
	p, router := onStore(t, st)
	minted, err := p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(minted.RefreshToken))
	claim := "rotating:" + hex.EncodeToString(sum[:])
	require.NoError(t, st.PutRecord(t.Context(), claim, []byte{1}, time.Time{}))

	rec := refreshOn(router, minted.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.JSONEq(t, `{"error":"invalid_request","error_description":"The refresh token is invalid.","message":"The refresh token is invalid.","hint":"Token has been revoked"}`, rec.Body.String())

	require.NoError(t, st.DeleteRecord(t.Context(), claim))
	rec = refreshOn(router, minted.RefreshToken)
	require.Equal(t, http.StatusOK, rec.Code, "nothing was revoked: %s", rec.Body)
	_, err = st.GetRecord(t.Context(), claim)
	assert.NoError(t, err, "the winning rotation keeps its claim, for replicas that raced it")
}

// A store one process uses gets no claim: the lock suffices.
func TestLeagueRefreshClaimsNothingAlone(t *testing.T) {
	p, router := onStore(t, struct{ store.Store }{redisNamespace(t)}) // not store.Shared
	minted, err := p.Mint(t.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
	require.NoError(t, err)
	rec := refreshOn(router, minted.RefreshToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	claims, err := p.deps.Store.ListRecords(t.Context(), "rotating:")
	require.NoError(t, err)
	assert.Empty(t, claims)
}

// BenchmarkTokenRefreshRedis is a league refresh on Redis, with the claim
// (a store shared by replicas) and without (the same store, not shared):
// the difference is what the claim costs.
func BenchmarkTokenRefreshRedis(b *testing.B) {
	ns := redisNamespace(b)
	for name, st := range map[string]store.Store{"claim": ns, "noclaim": struct{ store.Store }{ns}} {
		b.Run(name, func(b *testing.B) {
			p, router := onStore(b, st)
			minted, err := p.Mint(b.Context(), provider.MintRequest{ClientID: webID, Username: "alice"})
			require.NoError(b, err)
			rt := minted.RefreshToken
			b.ReportAllocs()
			for b.Loop() {
				rec := refreshOn(router, rt)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				var out struct {
					RefreshToken string `json:"refresh_token"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
					b.Fatal(err)
				}
				rt = out.RefreshToken
			}
		})
	}
}
