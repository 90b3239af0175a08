package config

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/authmock/authmock/fixtures"
)

// EnvConfig names the environment variable that gives the configuration
// file, the equivalent of the --config flag.
const EnvConfig = "AUTHMOCK_CONFIG"

// Setting is one server setting that the environment and a command-line
// flag can override, declared once so that flags, variables and the paths
// problems point at cannot drift apart.
type Setting struct {
	// Flag is the flag name, without dashes ("log-level").
	Flag string
	// Env is the environment variable ("AUTHMOCK_LOG_LEVEL").
	Env string
	// Path is the setting's JSON path in the file ("server.log_level").
	Path string
	// Usage is the flag's help text.
	Usage string
	// Bool marks a true/false setting (a boolean flag).
	Bool bool

	apply func(s *Server, v string) error
}

// Override sets one Setting from outside the file.
type Override struct {
	// Flag names the Setting by its Flag.
	Flag  string
	Value string
	// Origin says where the value came from ("--addr", "AUTHMOCK_ADDR");
	// problems with the value name it.
	Origin string
}

// Settings returns every overridable setting, in a fixed order.
func Settings() []Setting {
	str := func(field func(*Server) *string) func(*Server, string) error {
		return func(s *Server, v string) error { *field(s) = v; return nil }
	}
	// Paths given on the command line or in the environment are relative
	// to the working directory, not to the configuration file.
	path := func(field func(*Server) *string) func(*Server, string) error {
		return func(s *Server, v string) error {
			abs, err := filepath.Abs(v)
			if err != nil {
				return err
			}
			*field(s) = abs
			return nil
		}
	}
	return []Setting{
		{Flag: "addr", Env: "AUTHMOCK_ADDR", Path: "server.addr",
			Usage: "listen on `HOST:PORT`; port 0 picks a free port (default 127.0.0.1:8080)",
			apply: str(func(s *Server) *string { return &s.Addr })},
		{Flag: "issuer-url", Env: "AUTHMOCK_ISSUER_URL", Path: "server.issuer_url",
			Usage: "public base `URL` for issuers and discovery (default: derived from the listen address)",
			apply: str(func(s *Server) *string { return &s.IssuerURL })},
		{Flag: "log-level", Env: "AUTHMOCK_LOG_LEVEL", Path: "server.log_level",
			Usage: "log `LEVEL`: debug, info, warn or error (default info)",
			apply: str(func(s *Server) *string { return &s.LogLevel })},
		{Flag: "log-format", Env: "AUTHMOCK_LOG_FORMAT", Path: "server.log_format",
			Usage: "log `FORMAT`: text or json (default text)",
			apply: str(func(s *Server) *string { return &s.LogFormat })},
		{Flag: "root", Env: "AUTHMOCK_ROOT", Path: "server.root",
			Usage: "also serve provider instance `NAME` at / (its issuer becomes the bare base URL, at both mounts)",
			apply: str(func(s *Server) *string { return &s.Root })},
		{Flag: "tls", Env: "AUTHMOCK_TLS", Path: "server.tls.self_signed", Bool: true,
			Usage: "serve HTTPS: with --tls-cert/--tls-key those files, else a self-signed certificate",
			apply: applyTLS},
		{Flag: "tls-cert", Env: "AUTHMOCK_TLS_CERT", Path: "server.tls.cert_file",
			Usage: "serve HTTPS with the certificate in PEM `FILE`",
			apply: path(func(s *Server) *string { return &s.TLS.CertFile })},
		{Flag: "tls-key", Env: "AUTHMOCK_TLS_KEY", Path: "server.tls.key_file",
			Usage: "private key PEM `FILE` for --tls-cert",
			apply: path(func(s *Server) *string { return &s.TLS.KeyFile })},
		{Flag: "frozen-at", Env: "AUTHMOCK_FROZEN_AT", Path: "server.clock.frozen_at",
			Usage: "start the clock frozen at `TIME` (RFC 3339), for deterministic runs",
			apply: str(func(s *Server) *string { return &s.Clock.FrozenAt })},
		{Flag: "admin-token", Env: "AUTHMOCK_ADMIN_TOKEN", Path: "server.admin_token",
			Usage: "require `TOKEN` as a bearer token on the admin API, which then answers any address (default: loopback only, no token)",
			apply: str(func(s *Server) *string { return &s.AdminToken })},
		{Flag: "shutdown-grace", Env: "AUTHMOCK_SHUTDOWN_GRACE", Path: "server.shutdown_grace",
			Usage: "on SIGINT or SIGTERM, give requests in flight `DURATION` (\"10s\", or seconds) to finish before cutting them off (default 10s)",
			apply: applyDuration(func(s *Server) *fixtures.Duration { return &s.ShutdownGrace })},
		{Flag: "signer", Env: "AUTHMOCK_SIGNER", Path: "server.signer",
			Usage: "RS256 `SIGNER`: auto (OpenSSL's libcrypto.so.3 when it loads, else Go), go or openssl (default auto)",
			apply: str(func(s *Server) *string { return &s.Signer })},
		{Flag: "store", Env: "AUTHMOCK_STORE", Path: "server.store",
			Usage: "keep state in `STORE`: memory, file:PATH (survives restarts) or redis://HOST:PORT/DB[?prefix=P] (shared by replicas) (default memory)",
			apply: applyStore},
	}
}

// applyDuration reads a duration the way the file does: a Go duration
// string or a number of seconds.
func applyDuration(field func(*Server) *fixtures.Duration) func(*Server, string) error {
	return func(s *Server, v string) error {
		raw := strconv.Quote(v)
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			raw = v
		}
		var d fixtures.Duration
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return err
		}
		*field(s) = d
		return nil
	}
}

// applyTLS: true asks for HTTPS, and is satisfied by certificate files when
// there are any (see finishTLS); false means plain HTTP whatever the file
// said.
func applyTLS(s *Server, v string) error {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("must be true or false, not %q", v)
	}
	if !on {
		s.TLS.CertFile, s.TLS.KeyFile = "", ""
	}
	s.TLS.SelfSigned = on
	return nil
}

// EnvOverrides reads every setting's environment variable through lookup
// (os.LookupEnv). An empty variable counts as unset, so that VAR= in a
// shell script does not override the file with nothing.
func EnvOverrides(lookup func(string) (string, bool)) []Override {
	var out []Override
	for _, s := range Settings() {
		if v, ok := lookup(s.Env); ok && v != "" {
			out = append(out, Override{Flag: s.Flag, Value: v, Origin: s.Env})
		}
	}
	return out
}

func settingByFlag(flag string) (Setting, bool) {
	for _, s := range Settings() {
		if s.Flag == flag {
			return s, true
		}
	}
	return Setting{}, false
}

// applyStore makes a file: path from the command line or the environment
// absolute, like the other paths given there.
func applyStore(s *Server, v string) error {
	if p, ok := strings.CutPrefix(v, "file:"); ok && p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		v = "file:" + abs
	}
	s.Store = v
	return nil
}
