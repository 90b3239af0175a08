package config

import (
	"log/slog"
	"strings"
	"time"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/provider"
)

// Config is a loaded, validated configuration: the server settings and the
// enabled provider instances, in mount order (embedded defaults first, then
// the file's new instances in file order).
type Config struct {
	Server    Server
	Instances []Instance
	// BaseDir resolves relative paths given in the file (key files, TLS
	// files): the file's directory, or the working directory without a file.
	BaseDir string
}

// Instance is one enabled provider instance.
type Instance struct {
	Name    string
	Dialect string
	// Mount is the path prefix the instance is served under ("/oidc").
	Mount   string
	Factory provider.Factory
	// Config is what Factory.ParseConfig returned for the instance's
	// "config" object.
	Config provider.Config
}

// Instance returns the enabled instance called name.
func (c *Config) Instance(name string) (Instance, bool) {
	for _, in := range c.Instances {
		if in.Name == name {
			return in, true
		}
	}
	return Instance{}, false
}

// Server is the "server" object of the file.
type Server struct {
	// Addr is the listen address; port 0 picks a free port.
	Addr string `json:"addr"`
	// IssuerURL is the public base URL ("https://auth.test:8443"); empty
	// derives it from the address actually listened on.
	IssuerURL string `json:"issuer_url"`
	LogLevel  string `json:"log_level"`
	LogFormat string `json:"log_format"`
	// Root names an instance to serve at "/" as well as at its mount.
	Root string `json:"root"`
	// CORSOrigins are the browser origins allowed to call authmock; empty
	// means any localhost origin, ["*"] any origin at all.
	CORSOrigins  []string `json:"cors_origins"`
	MaxBodyBytes int64    `json:"max_body_bytes"`
	TLS          TLS      `json:"tls"`
	Clock        Clock    `json:"clock"`
	// AdminToken, when set, is the bearer token the admin API under
	// /_authmock/ demands, from any address; unset, the admin API answers
	// loopback clients only.
	AdminToken string `json:"admin_token"`
	// JournalSize is how many recent exchanges the journal keeps; 0 turns
	// the journal off.
	JournalSize int `json:"journal_size"`
	// AdminHosts are further Host names the admin API answers besides
	// loopback names and addresses (and issuer_url's host), for a name
	// that resolves to this machine; it is what defeats DNS rebinding.
	AdminHosts []string `json:"admin_hosts"`
	// AdminOrigins are further browser origins allowed to change state
	// through the admin API, besides the server's own.
	AdminOrigins []string `json:"admin_origins"`
	// ShutdownGrace is how long requests in flight get to finish on
	// SIGINT or SIGTERM before their connections are cut.
	ShutdownGrace fixtures.Duration `json:"shutdown_grace"`
	// Signer chooses what computes RS256 signatures: "auto" (OpenSSL when
	// it loads, else Go), "go" (crypto/rsa) or "openssl" (a start-up error
	// when it cannot load). See jwtutil.SelectSigner.
	Signer string `json:"signer"`
	// Store is where codes, refresh families, revocations and records
	// live: "memory" (the default, gone with the process), "file:PATH" (a
	// bbolt file that outlives restarts) or "redis://HOST:PORT/DB" with an
	// optional "?prefix=P" (shared by replicas). See StoreKind.
	Store string `json:"store"`
}

// StoreKind splits server.store into its kind ("memory", "file" or
// "redis") and its target (the path, or the whole URL).
func (s Server) StoreKind() (kind, target string) {
	switch {
	case s.Store == "" || s.Store == "memory":
		return "memory", ""
	case strings.HasPrefix(s.Store, "file:"):
		return "file", strings.TrimPrefix(s.Store, "file:")
	case strings.HasPrefix(s.Store, "redis://"), strings.HasPrefix(s.Store, "rediss://"):
		return "redis", s.Store
	}
	return "", s.Store
}

// TLS is the "server.tls" object. Serving TLS means either both files or
// self_signed.
type TLS struct {
	CertFile   string `json:"cert_file"`
	KeyFile    string `json:"key_file"`
	SelfSigned bool   `json:"self_signed"`
	// SelfSignedDir is where the self-signed certificate is written for
	// clients to trust; empty means the user cache directory.
	SelfSignedDir string `json:"self_signed_dir"`
}

// Enabled reports whether the server speaks HTTPS.
func (t TLS) Enabled() bool { return t.SelfSigned || t.CertFile != "" }

// Clock is the "server.clock" object.
type Clock struct {
	// FrozenAt (RFC 3339) starts the clock frozen at that instant, for
	// deterministic runs.
	FrozenAt string `json:"frozen_at"`
}

// Frozen returns the instant the clock starts frozen at, if any. Load has
// validated it, so a parse error cannot happen for a loaded Config.
func (c Clock) Frozen() (time.Time, bool) {
	if c.FrozenAt == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, c.FrozenAt)
	return t, err == nil
}

// Level returns the slog level LogLevel names.
func (s Server) Level() slog.Level {
	switch s.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Defaults returns the default server settings. Together with the embedded
// fixtures.Defaults document (the demo provider instances) it is the single
// place defaults are declared.
func Defaults() Server {
	return Server{
		Addr:          "127.0.0.1:8080",
		LogLevel:      "info",
		LogFormat:     "text",
		CORSOrigins:   []string{},
		MaxBodyBytes:  1 << 20,
		JournalSize:   500,
		AdminHosts:    []string{},
		AdminOrigins:  []string{},
		ShutdownGrace: fixtures.Duration(10 * time.Second),
		Signer:        "auto",
		Store:         "memory",
	}
}
