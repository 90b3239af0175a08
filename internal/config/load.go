package config

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/validate"
)

// topKeys are the keys a configuration file may have at its top level.
var topKeys = []string{"defaults", "server", "providers"}

// Load reads a configuration file (nil or empty for none) over the embedded
// defaults, applies overrides in order (environment first, then flags, for
// the file < env < flags precedence) and validates everything. factories
// maps dialect names to their factories. baseDir resolves relative paths in
// the file. It returns every problem found, or a Config.
func Load(userFile []byte, baseDir string, factories map[string]provider.Factory, overrides ...Override) (*Config, fixtures.Problems) {
	ld := &loader{factories: factories, origins: map[string]string{}}
	top := ld.readTop(userFile)
	srv := ld.readServer(top["server"])
	ld.applyOverrides(&srv, overrides)
	ld.checkServer(&srv, baseDir)
	instances := ld.readProviders(top)
	ld.checkRoot(srv)
	if len(ld.ps) > 0 {
		return nil, ld.ps
	}
	return &Config{Server: srv, Instances: instances, BaseDir: baseDir}, nil
}

// loader accumulates problems while Load walks the file.
type loader struct {
	factories map[string]provider.Factory
	ps        fixtures.Problems
	// origins maps a server setting's path to the override that set it,
	// so a problem with it names the flag or variable, not the file.
	origins map[string]string
	// names of instances that were given (enabled or not), for "root".
	enabled, disabled map[string]bool
}

// readTop splits the file into its top-level members, reporting unknown
// ones. A file that is not a JSON object gives one problem and nothing else.
func (ld *loader) readTop(data []byte) map[string]json.RawMessage {
	top := map[string]json.RawMessage{}
	if ps := validate.Decode(data, &top, ""); len(ps) > 0 {
		ld.ps = append(ld.ps, ps...)
		return map[string]json.RawMessage{}
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(topKeys, k) {
			ld.ps.Add(k, "unknown key (a configuration file has %q, %q and %q)", topKeys[0], topKeys[1], topKeys[2])
		}
	}
	return top
}

// readServer decodes "server" over the defaults: each field given replaces
// the default, null keeps it.
func (ld *loader) readServer(raw json.RawMessage) Server {
	srv := Defaults()
	ld.ps = append(ld.ps, validate.Decode(raw, &srv, "server")...)
	if srv.CORSOrigins == nil {
		srv.CORSOrigins = []string{}
	}
	if srv.AdminHosts == nil {
		srv.AdminHosts = []string{}
	}
	if srv.AdminOrigins == nil {
		srv.AdminOrigins = []string{}
	}
	return srv
}

func (ld *loader) applyOverrides(srv *Server, overrides []Override) {
	tlsTouched := false
	for _, ov := range overrides {
		s, ok := settingByFlag(ov.Flag)
		if !ok {
			ld.ps.Add("", "unknown setting %q (from %s)", ov.Flag, ov.Origin)
			continue
		}
		if err := s.apply(srv, ov.Value); err != nil {
			ld.ps.Add(s.Path, "%v (from %s)", err, ov.Origin)
			continue
		}
		ld.origins[s.Path] = ov.Origin
		tlsTouched = tlsTouched || strings.HasPrefix(s.Path, "server.tls.")
	}
	// "--tls" asks for HTTPS; certificate files, from any layer, satisfy it
	// better than a self-signed certificate.
	if tlsTouched && srv.TLS.CertFile != "" && srv.TLS.SelfSigned {
		srv.TLS.SelfSigned = false
		delete(ld.origins, "server.tls.self_signed")
	}
}

// checkServer validates the server settings, naming the override a bad
// value came from.
func (ld *loader) checkServer(srv *Server, baseDir string) {
	srv.IssuerURL = strings.TrimRight(srv.IssuerURL, "/")
	ps := validateServer(*srv)
	if len(ps) == 0 {
		ps = checkFiles(*srv, baseDir)
	}
	for _, p := range ps {
		if origin, ok := ld.origins[p.Path]; ok {
			p.Message += " (from " + origin + ")"
		}
		ld.ps = append(ld.ps, p)
	}
}

func (ld *loader) checkRoot(srv Server) {
	switch {
	case srv.Root == "":
	case ld.disabled[srv.Root] && !ld.enabled[srv.Root]:
		ld.addServer("server.root", "provider %q is disabled", srv.Root)
	case !ld.enabled[srv.Root]:
		names := make([]string, 0, len(ld.enabled))
		for name := range ld.enabled {
			names = append(names, name)
		}
		sort.Strings(names)
		ld.addServer("server.root", "no provider named %q (have: %s)", srv.Root, strings.Join(names, ", "))
	}
}

func (ld *loader) addServer(path, format string, args ...any) {
	n := len(ld.ps)
	ld.ps.Add(path, format, args...)
	if origin, ok := ld.origins[path]; ok {
		ld.ps[n].Message += " (from " + origin + ")"
	}
}

// readJSON re-encodes a merged document for strict decoding; it cannot
// fail for values decodeAny produced.
func readJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return buf.Bytes()
}
