package fastapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/provider"
)

// Mint implements provider.Minter: a login as req.Username (an email or an
// account id) without the password, for scripts and the admin API. The
// client id is not used (the dialect has no clients). Claims are added to a
// JWT access token beside sub, aud and exp, which they cannot override.
func (p *Provider) Mint(ctx context.Context, req provider.MintRequest) (provider.MintResult, error) {
	if req.Username == "" {
		return provider.MintResult{}, errors.New("fastapi tokens are a user's: a username (email) is required")
	}
	user, ok := p.dir.User(req.Username)
	if !ok {
		if user, ok = p.dir.UserBySubject(req.Username); !ok {
			return provider.MintResult{}, fmt.Errorf("no user %q", req.Username)
		}
	}
	if len(req.Claims) > 0 && p.cfg.TokenFormat == FormatOpaque {
		return provider.MintResult{}, errors.New("opaque tokens carry no claims")
	}
	if req.TTLSeconds < 0 || req.TTLSeconds > maxMintTTL {
		return provider.MintResult{}, fmt.Errorf("ttl_seconds must be between 0 and %d", maxMintTTL)
	}
	resp, err := p.login(ctx, user, req.TTLSeconds, req.Claims)
	if err != nil {
		return provider.MintResult{}, err
	}
	return provider.MintResult{AccessToken: resp.AccessToken, RefreshToken: resp.RefreshToken, ExpiresIn: resp.ExpiresIn, JTI: resp.jti}, nil
}

// Reset implements provider.Resetter: the configured users come back and
// the lifecycle's tally starts afresh; the server resets the store
// namespace (sessions, refresh tokens, marks and cut-offs).
func (p *Provider) Reset(ctx context.Context) error {
	p.life.Reset()
	return p.editor.Reset(ctx)
}

// maxMintTTL keeps a minted lifetime within time.Duration (100 years).
const maxMintTTL = 100 * 365 * 24 * 3600

func secondsToDuration(s int64) time.Duration {
	return time.Duration(s) * time.Second
}
