package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/authmock/authmock/fixtures"
)

// maxJournalSize bounds the journal's memory: entries keep up to 64 KiB of
// body each, so 10,000 is at worst a few hundred MiB.
const maxJournalSize = 10000

// maxShutdownGrace bounds server.shutdown_grace, so that a typo cannot
// make a stop hang for hours.
const maxShutdownGrace = 10 * time.Minute

// validateServer reports every problem with the server settings.
func validateServer(s Server) fixtures.Problems {
	var ps fixtures.Problems
	if msg := checkAddr(s.Addr); msg != "" {
		ps.Add("server.addr", "%s", msg)
	}
	if s.IssuerURL != "" {
		if msg := checkBaseURL(s.IssuerURL); msg != "" {
			ps.Add("server.issuer_url", "%s", msg)
		}
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		ps.Add("server.log_level", "%q must be debug, info, warn or error", s.LogLevel)
	}
	switch s.LogFormat {
	case "text", "json":
	default:
		ps.Add("server.log_format", "%q must be text or json", s.LogFormat)
	}
	for i, o := range s.CORSOrigins {
		if msg := checkOrigin(o); msg != "" {
			ps.Add(fixtures.Index("server.cors_origins", i), "%s", msg)
		}
	}
	if s.MaxBodyBytes < 1 {
		ps.Add("server.max_body_bytes", "must be a positive number of bytes")
	}
	if s.JournalSize < 0 || s.JournalSize > maxJournalSize {
		ps.Add("server.journal_size", "must be from 0 (off) to %d entries", maxJournalSize)
	}
	for i, h := range s.AdminHosts {
		if msg := checkHostName(h); msg != "" {
			ps.Add(fixtures.Index("server.admin_hosts", i), "%s", msg)
		}
	}
	for i, o := range s.AdminOrigins {
		if msg := checkOrigin(o); msg != "" || o == "*" {
			if msg == "" {
				msg = "must be an origin such as http://dev.test:8080; \"*\" would let any page drive the admin API"
			}
			ps.Add(fixtures.Index("server.admin_origins", i), "%s", msg)
		}
	}
	if g := s.ShutdownGrace.D(); g > maxShutdownGrace {
		ps.Add("server.shutdown_grace", "must be at most %s", maxShutdownGrace)
	}
	if s.AdminToken != "" && (len(s.AdminToken) < 16 || strings.TrimSpace(s.AdminToken) != s.AdminToken) {
		ps.Add("server.admin_token", "must be at least 16 characters with no surrounding spaces")
	}
	switch s.Signer {
	case "auto", "go", "openssl":
	default:
		ps.Add("server.signer", "%q must be auto, go or openssl", s.Signer)
	}
	if msg := checkStore(s); msg != "" {
		ps.Add("server.store", "%s", msg)
	}
	switch t := s.TLS; {
	case t.CertFile != "" && t.KeyFile == "":
		ps.Add("server.tls.key_file", "required with cert_file")
	case t.KeyFile != "" && t.CertFile == "":
		ps.Add("server.tls.cert_file", "required with key_file")
	case t.CertFile != "" && t.SelfSigned:
		ps.Add("server.tls.self_signed", "cannot be combined with cert_file and key_file")
	}
	if s.Clock.FrozenAt != "" {
		if _, err := time.Parse(time.RFC3339, s.Clock.FrozenAt); err != nil {
			ps.Add("server.clock.frozen_at", "%q is not an RFC 3339 time such as 2025-01-02T03:04:05Z", s.Clock.FrozenAt)
		}
	}
	return ps
}

// checkFiles reports TLS files that cannot be read, so "config --check"
// finds them before a start-up does.
func checkFiles(s Server, baseDir string) fixtures.Problems {
	var ps fixtures.Problems
	for _, f := range []struct{ path, file string }{
		{"server.tls.cert_file", s.TLS.CertFile},
		{"server.tls.key_file", s.TLS.KeyFile},
	} {
		if f.file == "" {
			continue
		}
		if _, err := os.Stat(ResolvePath(baseDir, f.file)); err != nil {
			ps.Add(f.path, "cannot read: %v", err)
		}
	}
	return ps
}

// ResolvePath resolves a path from the file against its directory.
func ResolvePath(baseDir, p string) string {
	if p == "" || filepath.IsAbs(p) || baseDir == "" {
		return p
	}
	return filepath.Join(baseDir, p)
}

func checkAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "must be host:port, such as 127.0.0.1:8080 (" + err.Error() + ")"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "port " + strconv.Quote(port) + " must be a number from 0 to 65535"
	}
	return ""
}

// checkBaseURL checks a URL that paths are appended to.
func checkBaseURL(u string) string {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "not a valid URL"
	case p.Scheme != "http" && p.Scheme != "https":
		return "must be an http or https URL"
	case p.Host == "":
		return "must have a host"
	case p.User != nil:
		return "must not contain user information"
	case p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || p.RawFragment != "":
		return "must not have a query or fragment"
	}
	return ""
}

// checkOrigin checks a CORS origin: "*" or scheme://host[:port] exactly as
// browsers send it.
func checkOrigin(o string) string {
	if o == "*" {
		return ""
	}
	p, err := url.Parse(o)
	switch {
	case err != nil:
		return "not a valid origin"
	case p.Scheme != "http" && p.Scheme != "https":
		return "must be \"*\" or an origin such as http://localhost:3000"
	case p.Host == "":
		return "must have a host"
	case p.Path != "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil:
		return "must be only scheme://host[:port], without a path (browsers send no path in Origin)"
	}
	return ""
}

// checkHostName checks a Host name for server.admin_hosts: a bare DNS name
// or IP address, as compared without the port.
func checkHostName(h string) string {
	if h == "" {
		return "must not be empty"
	}
	if strings.ContainsAny(h, ":/[]@ ") && net.ParseIP(h) == nil {
		return "must be a host name or IP address without scheme, port or path, such as dev.test"
	}
	return ""
}

// checkStore checks the form of server.store; whether a Redis answers is
// found at start-up.
// The fixed parts of checkStore's messages, apart from what the user wrote.
const (
	storeKinds   = "must be memory, file:PATH or redis://HOST:PORT/DB (with an optional ?prefix=P)"
	redisExample = "redis://127.0.0.1:6379/0"
)

func checkStore(s Server) string {
	kind, target := s.StoreKind()
	switch kind {
	case "memory":
	case "file":
		if target == "" {
			return "file: needs a path, as in file:authmock.db"
		}
	case "redis":
		u, err := url.Parse(target)
		if err != nil || u.Host == "" {
			return fmt.Sprintf("%q is not a Redis URL: it needs a host, as in %s", redactURL(target), redisExample)
		}
		if db := strings.Trim(u.Path, "/"); db != "" {
			if _, err := strconv.Atoi(db); err != nil {
				return fmt.Sprintf("%q: the database %q must be a number", redactURL(target), db)
			}
		}
	default:
		return fmt.Sprintf("%q %s", redactURL(target), storeKinds)
	}
	return ""
}

// redactURL hides a URL's password in messages.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}
