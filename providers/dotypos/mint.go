package dotypos

import (
	"context"
	"fmt"
	"time"

	"github.com/authmock/authmock/internal/provider"
)

// Mint implements provider.Minter: a refresh token granting every cloud of
// the user (the client's default user when none is named) and an access
// token for one of them: claims["cloudId"] when given (0 for a token that
// can only list clouds), else the user's first cloud. Other claims are
// added to the access token without overriding its own.
func (p *Provider) Mint(ctx context.Context, req provider.MintRequest) (provider.MintResult, error) {
	client, ok := p.dir.LookupClient(ctx, req.ClientID)
	if !ok {
		return provider.MintResult{}, fmt.Errorf("no client %q", req.ClientID)
	}
	username := req.Username
	if username == "" {
		user, perr := p.connectingUser(client)
		if perr != nil {
			return provider.MintResult{}, perr
		}
		username = user.Username
	}
	user, ok := p.dir.User(username)
	if !ok {
		return provider.MintResult{}, fmt.Errorf("no user %q", username)
	}
	g := refreshGrant{ClientID: client.ID, Username: user.Username, Subject: user.SubjectOrUsername()}
	for _, c := range p.clouds.ofUser(user.Username) {
		g.Clouds = append(g.Clouds, c.ID)
	}
	var cloudID int64
	if len(g.Clouds) > 0 {
		cloudID = g.Clouds[0]
	}
	extra := map[string]any{}
	for k, v := range req.Claims {
		extra[k] = v
	}
	if v, ok := extra["cloudId"]; ok {
		id, err := mintCloudID(v)
		if err != nil {
			return provider.MintResult{}, err
		}
		cloudID = id
		delete(extra, "cloudId")
	}
	ttl := p.accessTTL(client)
	if req.TTLSeconds > 0 {
		ttl = time.Duration(req.TTLSeconds) * time.Second
	}
	refresh, err := p.issueRefresh(ctx, g, client)
	if err != nil {
		return provider.MintResult{}, err
	}
	access, jti, err := p.signAccess(g, cloudID, ttl, extra)
	if err != nil {
		return provider.MintResult{}, err
	}
	return provider.MintResult{AccessToken: access, RefreshToken: refresh, ExpiresIn: int64(ttl / time.Second), JTI: jti}, nil
}

// mintCloudID reads a cloudId claim given as a JSON number or string.
func mintCloudID(v any) (int64, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case float64:
		s = fmt.Sprintf("%.0f", v)
		if float64(int64(v)) != v {
			s = "x"
		}
	case int:
		s = fmt.Sprint(v)
	case int64:
		s = fmt.Sprint(v)
	}
	if s == "0" {
		return 0, nil
	}
	id, ok := parseCloudID(s)
	if !ok {
		return 0, fmt.Errorf("claim cloudId must be a cloud id or 0, not %v", v)
	}
	return id, nil
}
