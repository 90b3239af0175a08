package config

import (
	"encoding/json"
	"errors"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/validate"
)

// fakeOIDC stands in for the oidc dialect: its config has the shape of the
// embedded defaults' oidc config plus two settings to override.
type fakeOIDC struct{}

type fakeOIDCConfig struct {
	Keys        []fixtures.KeySpec `json:"keys"`
	Clients     []fixtures.Client  `json:"clients"`
	Users       []fixtures.User    `json:"users"`
	Interactive bool               `json:"interactive"`
	TokenTTL    fixtures.Duration  `json:"token_ttl"`
}

func (fakeOIDC) Dialect() string { return "oidc" }

func (fakeOIDC) ParseConfig(raw json.RawMessage) (provider.Config, fixtures.Problems) {
	cfg := fakeOIDCConfig{TokenTTL: fixtures.Duration(3600e9), Keys: []fixtures.KeySpec{}, Clients: []fixtures.Client{}, Users: []fixtures.User{}}
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return nil, ps
	}
	var ps fixtures.Problems
	ps = append(ps, fixtures.ValidateClients(cfg.Clients, cfg.Users)...)
	ps = append(ps, fixtures.ValidateUsers(cfg.Users)...)
	if len(ps) > 0 {
		return nil, ps
	}
	return &cfg, nil
}

func (fakeOIDC) New(provider.Deps, provider.Config) (provider.Provider, error) {
	return nil, errors.New("not in these tests")
}

// fakePlain is a second dialect with a one-setting config.
type fakePlain struct{}

type fakePlainConfig struct {
	Greeting string `json:"greeting"`
}

func (fakePlain) Dialect() string { return "plain" }

func (fakePlain) ParseConfig(raw json.RawMessage) (provider.Config, fixtures.Problems) {
	cfg := fakePlainConfig{Greeting: "hello"}
	if ps := validate.Decode(raw, &cfg, ""); len(ps) > 0 {
		return nil, ps
	}
	if cfg.Greeting == "" {
		var ps fixtures.Problems
		ps.Add("greeting", "must not be empty")
		return nil, ps
	}
	return cfg, nil
}

func (fakePlain) New(provider.Deps, provider.Config) (provider.Provider, error) {
	return nil, errors.New("not in these tests")
}

func testFactories() map[string]provider.Factory {
	return map[string]provider.Factory{"oidc": fakeOIDC{}, "plain": fakePlain{}}
}
