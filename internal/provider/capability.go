package provider

import (
	"encoding/json"
	"fmt"

	"github.com/authmock/authmock/fixtures"
)

// Composite is implemented by providers that hand out some capabilities as
// parts built from the shared layer (a lifecycle's Revoker, a directory's
// FixtureEditor), so that no dialect writes methods that only forward.
type Composite interface {
	Parts() []any
}

// As returns p's capability C (Revoker, FixtureEditor, Minter, ...): p
// itself when it implements C, or else the first of its Parts that does.
func As[C any](p Provider) (C, bool) {
	if c, ok := p.(C); ok {
		return c, true
	}
	if cp, ok := p.(Composite); ok {
		for _, part := range cp.Parts() {
			if c, ok := part.(C); ok {
				return c, true
			}
		}
	}
	var none C
	return none, false
}

// NewFactory is the Factory of a dialect whose configuration type is C:
// parse decodes it (with the dialect's defaults and problems), build makes
// an instance. It is all the factory boilerplate a dialect needs.
func NewFactory[C any, P Provider](dialect string, parse func(json.RawMessage) (C, fixtures.Problems), build func(Deps, C) (P, error)) Factory {
	return factory[C, P]{dialect: dialect, parse: parse, build: build}
}

type factory[C any, P Provider] struct {
	dialect string
	parse   func(json.RawMessage) (C, fixtures.Problems)
	build   func(Deps, C) (P, error)
}

func (f factory[C, P]) Dialect() string { return f.dialect }

// ParseConfig returns a *C, which marshals back for "config --print".
func (f factory[C, P]) ParseConfig(raw json.RawMessage) (Config, fixtures.Problems) {
	cfg, ps := f.parse(raw)
	return &cfg, ps
}

func (f factory[C, P]) New(deps Deps, cfg Config) (Provider, error) {
	c, ok := cfg.(*C)
	if !ok {
		return nil, fmt.Errorf("%s: config of type %T", f.dialect, cfg)
	}
	return f.build(deps, *c)
}
