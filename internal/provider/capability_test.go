package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

type bare struct{}

func (bare) Mount(*mux.Router) {}

type minting struct{ bare }

func (minting) Mint(context.Context, provider.MintRequest) (provider.MintResult, error) {
	return provider.MintResult{AccessToken: "self"}, nil
}

type revoker struct{ n int }

func (r revoker) Revoke(context.Context, provider.TokenSelector) (provider.Selected, error) {
	return provider.Selected{AccessTokens: r.n}, nil
}
func (r revoker) Expire(context.Context, provider.TokenSelector) (provider.Selected, error) {
	return provider.Selected{}, nil
}

type composite struct {
	minting
	parts []any
}

func (c composite) Parts() []any { return c.parts }

func TestAs(t *testing.T) {
	_, ok := provider.As[provider.Minter](bare{})
	assert.False(t, ok, "a bare provider has no capability")

	m, ok := provider.As[provider.Minter](minting{})
	require.True(t, ok)
	res, _ := m.Mint(t.Context(), provider.MintRequest{})
	assert.Equal(t, "self", res.AccessToken)

	c := composite{parts: []any{"not a capability", revoker{n: 1}, revoker{n: 2}}}
	r, ok := provider.As[provider.Revoker](c)
	require.True(t, ok, "found among the parts")
	n, _ := r.Revoke(t.Context(), provider.TokenSelector{})
	assert.Equal(t, 1, n.AccessTokens, "the first part that has it")
	_, ok = provider.As[provider.Minter](c)
	assert.True(t, ok, "the provider's own methods come first")
	_, ok = provider.As[provider.FixtureEditor](c)
	assert.False(t, ok)
}

type cfg struct {
	Name string `json:"name"`
}

func TestNewFactory(t *testing.T) {
	var built cfg
	f := provider.NewFactory("fake",
		func(raw json.RawMessage) (cfg, fixtures.Problems) {
			var c cfg
			var ps fixtures.Problems
			if err := json.Unmarshal(raw, &c); err != nil {
				ps.Add("", "%v", err)
			}
			return c, ps
		},
		func(_ provider.Deps, c cfg) (bare, error) {
			built = c
			if c.Name == "fail" {
				return bare{}, errors.New("no")
			}
			return bare{}, nil
		})
	assert.Equal(t, "fake", f.Dialect())
	c, ps := f.ParseConfig(json.RawMessage(`{"name":"x"}`))
	require.Empty(t, ps)
	assert.Equal(t, &cfg{Name: "x"}, c, "a pointer, which marshals back for config --print")
	_, err := f.New(provider.Deps{}, c)
	require.NoError(t, err)
	assert.Equal(t, "x", built.Name)
	_, err = f.New(provider.Deps{}, &struct{}{})
	assert.ErrorContains(t, err, "fake: config of type")
	_, err = f.New(provider.Deps{}, &cfg{Name: "fail"})
	assert.EqualError(t, err, "no")
}
