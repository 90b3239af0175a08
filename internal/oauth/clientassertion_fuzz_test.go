package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/oauth"
	"github.com/authmock/authmock/jwtutil"
)

// memReplay is a ReplayGuard in a map.
type memReplay struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memReplay) Claim(_ context.Context, key string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[key] {
		return oauth.ErrReplayed
	}
	m.seen[key] = true
	return nil
}

// assertionClients accepts assertions from "hs" (secret) and "pk" (an
// ES256 key), judged at fuzzNow.
type assertionClients struct {
	clientMap
	policy *oauth.AssertionPolicy
}

func (a assertionClients) ClientAssertions() *oauth.AssertionPolicy { return a.policy }

var fuzzNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

const fuzzAud = "https://as.example/token"

func newAssertionClients(tb testing.TB) (assertionClients, *ecdsa.PrivateKey, string) {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	pub, err := jwtutil.ParsePEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jwtutil.ES256)
	if err != nil {
		tb.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []any{pub.PublicJWK()}})
	keys, err := oauth.ParseClientJWKS(jwks)
	if err != nil {
		tb.Fatal(err)
	}
	return assertionClients{
		clientMap: clientMap{
			"hs": {ID: "hs", Secret: "hs-secret"},
			"pk": {ID: "pk", TokenEndpointAuthMethod: "private_key_jwt", JWKS: jwks},
		},
		policy: &oauth.AssertionPolicy{
			Audiences: []string{fuzzAud}, Now: func() time.Time { return fuzzNow }, MaxLifetime: time.Hour,
			Replay:     &memReplay{seen: map[string]bool{}},
			PublicKeys: func(context.Context, fixtures.Client) ([]*jwtutil.Key, error) { return keys, nil },
		},
	}, priv, pub.KID()
}

func fuzzClaims(id, jti string) jwt.MapClaims {
	return jwt.MapClaims{"iss": id, "sub": id, "aud": fuzzAud, "jti": jti, "exp": fuzzNow.Add(time.Minute).Unix()}
}

// FuzzClientAssertion: no assertion panics the parser or the verifier; an
// accepted one verifies on its own with the client's key under a pinned,
// signing algorithm, names the client in iss and sub, and is refused the
// second time (its jti is used).
func FuzzClientAssertion(f *testing.F) {
	clients, priv, kid := newAssertionClients(f)
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, fuzzClaims("hs", "j1")).SignedString([]byte("hs-secret"))
	es := jwt.NewWithClaims(jwt.SigningMethodES256, fuzzClaims("pk", "j2"))
	es.Header["kid"] = kid
	pk, _ := es.SignedString(priv)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, fuzzClaims("hs", "j3")).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for _, seed := range []string{hs, pk, none, "a.b.c", "", "eyJhbGciOiJIUzI1NiJ9.e30.", hs + "x"} {
		f.Add(seed, "")
		f.Add(seed, "hs")
	}
	f.Fuzz(func(t *testing.T, assertion, clientID string) {
		clients, priv, _ := clients, priv, kid
		clients.policy = &oauth.AssertionPolicy{
			Audiences: clients.policy.Audiences, Now: clients.policy.Now, MaxLifetime: clients.policy.MaxLifetime,
			Replay: &memReplay{seen: map[string]bool{}}, PublicKeys: clients.policy.PublicKeys,
		}
		form := url.Values{"client_assertion_type": {oauth.ClientAssertionTypeJWT}, "client_assertion": {assertion}}
		if clientID != "" {
			form.Set("client_id", clientID)
		}
		r := httptest.NewRequest(http.MethodPost, "/token", nil)
		got, err := oauth.Authenticate(context.Background(), clients, r, form)
		if err != nil {
			var e *oauth.Error
			if !errors.As(err, &e) || (e.Code != oauth.CodeInvalidClient && e.Code != oauth.CodeInvalidRequest) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		var key any = []byte("hs-secret")
		algs := []string{"HS256", "HS384", "HS512"}
		if got.Client.ID == "pk" {
			key, algs = &priv.PublicKey, []string{"ES256"}
		}
		claims := jwt.MapClaims{}
		if _, err := jwt.NewParser(jwt.WithValidMethods(algs), jwt.WithTimeFunc(clients.policy.Now)).
			ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
			t.Fatalf("accepted an assertion that does not verify: %v", err)
		}
		if claims["iss"] != got.Client.ID || claims["sub"] != got.Client.ID {
			t.Fatalf("accepted iss %v sub %v for client %s", claims["iss"], claims["sub"], got.Client.ID)
		}
		if _, err := oauth.Authenticate(context.Background(), clients, r, form); err == nil {
			t.Fatal("the same assertion was accepted twice")
		}
	})
}
