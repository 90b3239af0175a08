package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/jwtutil"
)

// The one client the bare baseline knows.
const (
	bareClientID     = "demo-service"
	bareClientSecret = "demo-service-secret"
	bareTTL          = time.Hour
)

// bareClaims has the shape of authmock's client_credentials access token
// (RFC 9068 profile; providers/oidc accessClaims): iss, sub, aud, exp, nbf,
// iat, jti, client_id, scope.
type bareClaims struct {
	jwt.RegisteredClaims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

// bareResponse has the shape of authmock's token response.
type bareResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// bareHandler is the baseline: the least a token endpoint must do for this
// request (parse the form, check Basic credentials against one constant,
// sign a JWT with the same key and claim shape, write the same JSON), with
// none of authmock's machinery around it.
type bareHandler struct {
	keys   *jwtutil.KeySet
	issuer string
}

// loadDemoKey reads the builtin demo key for alg the way authmock does.
func loadDemoKey(alg string) (*jwtutil.KeySet, error) {
	name, ok := demoKeys[alg]
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %q", alg)
	}
	material, secret, err := fixtures.BuiltinKey(name)
	if err != nil {
		return nil, err
	}
	var k *jwtutil.Key
	if secret {
		k, err = jwtutil.NewHMAC(material)
	} else {
		k, err = jwtutil.ParsePEM(material, jwtutil.Algorithm(alg))
	}
	if err != nil {
		return nil, fmt.Errorf("demo key %s: %w", name, err)
	}
	return jwtutil.NewKeySet(k)
}

func (h *bareHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeBareError(w, http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeBareError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(bareClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(bareClientSecret)) != 1 {
		w.Header().Set("WWW-Authenticate", "Basic")
		writeBareError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeBareError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	scope := strings.Join(strings.Fields(r.PostForm.Get("scope")), " ")
	var jti [16]byte
	_, _ = rand.Read(jti[:])
	now := time.Now()
	token, err := h.keys.SignWithType("at+jwt", bareClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    h.issuer,
			Subject:   bareClientID,
			Audience:  jwt.ClaimStrings{bareClientID},
			ExpiresAt: jwt.NewNumericDate(now.Add(bareTTL)),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ID:        hex.EncodeToString(jti[:]),
		},
		ClientID: bareClientID,
		Scope:    scope,
	})
	if err != nil {
		writeBareError(w, http.StatusInternalServerError, "server_error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(bareResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(bareTTL / time.Second), Scope: scope})
}

func writeBareError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "{\"error\":%q}\n", code)
}

// serveBare runs the baseline on 127.0.0.1:0 at /oidc/token with the
// RS256 signer named (auto, go or openssl), prints
// "bare listening on URL" and serves until stdin reaches EOF (the parent
// closed it or died).
func serveBare(alg, signer string, stdin io.Reader, stdout io.Writer) error {
	// The same signer as the authmock it is compared with, selected before
	// the key loads (a key gets its signer when it is constructed).
	if _, err := jwtutil.SelectSigner(jwtutil.Signer(signer)); err != nil {
		return err
	}
	keys, err := loadDemoKey(alg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/oidc/token", &bareHandler{keys: keys, issuer: base + "/oidc"})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(stdout, "bare%s%s\n", bannerInfix, base); err != nil {
		_ = srv.Close()
		return err
	}
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case err := <-served:
		return err
	case <-eof:
		return srv.Close()
	}
}
