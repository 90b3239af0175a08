package builtin

import (
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/providers/dotypos"
	"github.com/authmock/authmock/providers/fastapi"
	"github.com/authmock/authmock/providers/oidc"
	"github.com/authmock/authmock/providers/trackmania"
)

// All returns a factory for every built-in dialect.
func All() []provider.Factory {
	return []provider.Factory{
		dotypos.Factory(),
		fastapi.Factory(),
		oidc.Factory(),
		trackmania.Factory(),
	}
}

// ByDialect returns All keyed by dialect name, the form config.Load takes.
func ByDialect() map[string]provider.Factory {
	all := All()
	out := make(map[string]provider.Factory, len(all))
	for _, f := range all {
		out[f.Dialect()] = f
	}
	return out
}
