package config

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// fileOut is the configuration file as Effective writes it.
type fileOut struct {
	// Defaults is always false: the output lists every instance itself, so
	// one the original file disabled does not come back from the defaults.
	Defaults  bool          `json:"defaults"`
	Server    Server        `json:"server"`
	Providers []instanceOut `json:"providers"`
}

type instanceOut struct {
	Name    string          `json:"name"`
	Dialect string          `json:"dialect"`
	Mount   string          `json:"mount"`
	Config  json.RawMessage `json:"config,omitempty"`
}

// Effective renders cfg as an indented configuration file in the format
// Load reads, every default spelled out (each dialect config marshalled
// back from its decoded form), so that loading the output reproduces cfg.
func Effective(cfg *Config) ([]byte, error) {
	out := fileOut{Server: cfg.Server, Providers: []instanceOut{}}
	if out.Server.CORSOrigins == nil {
		out.Server.CORSOrigins = []string{}
	}
	if out.Server.AdminHosts == nil {
		out.Server.AdminHosts = []string{}
	}
	if out.Server.AdminOrigins == nil {
		out.Server.AdminOrigins = []string{}
	}
	for _, in := range cfg.Instances {
		o := instanceOut{Name: in.Name, Dialect: in.Dialect, Mount: in.Mount}
		if in.Config != nil {
			var raw bytes.Buffer
			enc := json.NewEncoder(&raw)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(in.Config); err != nil {
				return nil, fmt.Errorf("config: marshal the config of %q: %w", in.Name, err)
			}
			o.Config = bytes.TrimSpace(raw.Bytes())
		}
		out.Providers = append(out.Providers, o)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // redirect URIs with & stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("config: render: %w", err)
	}
	return buf.Bytes(), nil
}
