package dpop

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/authmock/authmock/internal/clock"
)

// Verifier checks DPoP proofs against the requests that carry them.
type Verifier struct {
	// Algs are the accepted algorithms, a subset of Algorithms; they are
	// what discovery and the WWW-Authenticate challenge list.
	Algs []string
	// Window is how far a proof's iat may lie from authmock's clock, either
	// way (RFC 9449 §11.1).
	Window time.Duration
	Clock  clock.Clock
	Replay Replay
	// Nonces, when not nil, makes every proof carry a nonce it issued
	// (RFC 9449 §8, §9).
	Nonces *Nonces
}

// Request is what a proof must match.
type Request struct {
	// Proofs are the values of the request's DPoP header fields.
	Proofs []string
	Method string
	// URLs are the target URIs the proof's htu may name (the advertised
	// endpoint URL, the one the request was sent to); compared normalised.
	URLs []string
	// AccessToken, when not empty, must be hashed in the proof's ath
	// (RFC 9449 §7).
	AccessToken string
	// JKT, when not empty, is the thumbprint the token is bound to; the
	// proof must be signed by that key (RFC 9449 §4.3 check 12).
	JKT string
}

// ErrNoProof is Verify's answer for a request without a DPoP header; the
// caller decides whether that is an error.
var ErrNoProof = errors.New("dpop: no proof")

// Verify runs RFC 9449 §4.3's checks on the request's proof and, when all
// pass, records its jti; only then is the proof spent, so a proof refused
// for any reason can still be sent again. The returned error is ErrNoProof,
// an invalid_dpop_proof or use_dpop_nonce *oauth.Error, or a store failure.
// A caller whose request fails after Verify calls Release.
func (v *Verifier) Verify(ctx context.Context, req Request) (*Proof, error) {
	switch len(req.Proofs) {
	case 0:
		return nil, ErrNoProof
	case 1:
	default:
		return nil, invalid("the request carries %d DPoP headers; send exactly one", len(req.Proofs))
	}
	p, err := Parse(req.Proofs[0], v.Algs)
	if err != nil {
		return nil, err
	}
	if p.HTM != req.Method {
		return nil, invalid("the DPoP proof's htm %q does not match the request method %s", p.HTM, req.Method)
	}
	if !v.htuMatches(p.HTU, req.URLs) {
		return nil, invalid("the DPoP proof's htu does not match the request URI")
	}
	if v.Nonces != nil {
		switch {
		case p.Nonce == "":
			return nil, useNonce("the authorization server requires a nonce in the DPoP proof", v.Nonces.Current())
		case !v.Nonces.Valid(p.Nonce):
			return nil, useNonce("the DPoP proof's nonce is invalid or expired", v.Nonces.Current())
		}
	}
	// iat is in whole seconds, so a fresh proof's can be up to a second
	// behind the clock: the past gets that second on top of the window.
	// The proof is refused from the instant its jti record expires on
	// (the store forgets a record once the clock reads its expiry): were
	// it accepted at that instant, it could be replayed there at will.
	now := v.Clock.Now()
	stale := p.IAT.Add(v.Window + time.Second)
	if !now.Before(stale) || p.IAT.Sub(now) > v.Window {
		return nil, invalid("the DPoP proof's iat is outside the accepted window of %s", v.Window)
	}
	if req.AccessToken != "" {
		if subtle.ConstantTimeCompare([]byte(p.ATH), []byte(ATH(req.AccessToken))) != 1 {
			if p.ATH == "" {
				return nil, invalid("the DPoP proof has no ath for the access token")
			}
			return nil, invalid("the DPoP proof's ath does not match the access token")
		}
	}
	if req.JKT != "" && subtle.ConstantTimeCompare([]byte(p.JKT), []byte(req.JKT)) != 1 {
		return nil, invalid("the DPoP proof's key is not the key the access token is bound to")
	}
	// Last: a proof accepted is spent until its iat leaves the window.
	if err := v.Replay.Claim(ctx, replayKey(p), stale); err != nil {
		if errors.Is(err, ErrReplayed) {
			return nil, invalid("the DPoP proof has already been used (jti replay)")
		}
		return nil, err
	}
	return p, nil
}

// Release forgets an accepted proof's jti, for a request that failed after
// Verify, so that it changed no state.
func (v *Verifier) Release(ctx context.Context, p *Proof) error {
	return v.Replay.Release(ctx, replayKey(p))
}

// replayKey scopes a jti to its key: two clients cannot spend each other's
// jti values (RFC 9449 §11.1 asks uniqueness per key).
func replayKey(p *Proof) string { return p.JKT + "\x00" + p.JTI }

func (v *Verifier) htuMatches(htu string, urls []string) bool {
	got, ok := NormalizeHTU(htu)
	if !ok {
		return false
	}
	for _, u := range urls {
		if want, ok := NormalizeHTU(u); ok && want == got {
			return true
		}
	}
	return false
}

// ATH is the ath claim for an access token: base64url(SHA-256(token)).
func ATH(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64(sum[:])
}
