package server

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/faults"
	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/store"
	"github.com/authmock/authmock/jwtutil"
)

// Options injects what tests (and the embedding harness) control. Every
// field is optional.
type Options struct {
	// Clock is shared by every instance; default: frozen at
	// server.clock.frozen_at when set, else following the system clock.
	Clock *clock.Controlled
	// Store holds every instance's state; default: the one server.store
	// names (a fresh memory store unless configured), closed with the
	// server.
	Store store.Backend
	// Logger receives the access log and every instance's logs; default:
	// discard.
	Logger *slog.Logger
	// Rand is the source of every random value instances make; default:
	// crypto/rand. Reads are serialised, so it need not be goroutine-safe.
	Rand io.Reader
	// Listener is served instead of listening on server.addr.
	Listener net.Listener
}

// Server is a configured authmock server. New builds every provider
// instance; Start serves them.
type Server struct {
	cfg         *config.Config
	logger      *slog.Logger
	clock       *clock.Controlled
	backend     store.Backend
	ownsBackend bool
	listener    net.Listener
	baseURL     string
	instances   []*instance
	http        *http.Server
	journal     *journal.Journal
	faults      *faults.Queue

	// inFlight counts requests being handled, so that a shutdown that runs
	// out of grace can say how many it cut off.
	inFlight atomic.Int64
	handled  atomic.Uint64

	mu       sync.Mutex
	certPEM  []byte
	certPath string
	started  bool
	closed   bool
	done     chan struct{} // closed when Serve returns
	err      error         // Serve's error, nil after Shutdown or Close
}

// instance is one built provider instance.
type instance struct {
	config.Instance
	issuer   string
	root     bool
	provider provider.Provider
}

// HTTP limits: generous for a local tool, but bounded so that a stuck or
// hostile client cannot hold a connection, or memory, forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	// writeTimeout ends answers a client does not read (each held its
	// buffers, megabytes, indefinitely). It runs from the end of the
	// request headers, so it must outlast the longest fault delay_ms
	// plus the answer itself.
	writeTimeout = faults.MaxDelay + 30*time.Second
	// idleTimeout closes kept-alive connections that send nothing more,
	// releasing their buffers.
	idleTimeout = 60 * time.Second
	// maxHeaderBytes bounds the request line and headers (net/http's
	// default is 1 MiB): a bearer JWT or a cookie of a few KiB fits many
	// times over. Larger requests get 431.
	maxHeaderBytes = 64 << 10
)

// New builds the server and every enabled provider instance, without
// serving anything. The base URL is server.issuer_url, or derived from the
// listen address; when that address has port 0 (and no Listener is given),
// New already listens, so that the chosen port is known to the instances'
// issuers.
func New(cfg *config.Config, opts Options) (*Server, error) {
	s := &Server{cfg: cfg, logger: opts.Logger, clock: opts.Clock, backend: opts.Store, listener: opts.Listener, done: make(chan struct{})}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	// A client that leaves makes store calls fail with "context canceled":
	// not an error of the server.
	s.logger = slog.New(httpx.DemoteGoneClients(s.logger.Handler()))
	if s.clock == nil {
		s.clock = clock.NewControlled(clock.System{})
		if t, ok := cfg.Server.Clock.Frozen(); ok {
			s.clock = clock.NewFrozen(t)
		}
	}
	if s.backend == nil {
		b, err := openBackend(cfg, s.clock)
		if err != nil {
			s.release()
			return nil, err
		}
		s.backend, s.ownsBackend = b, true
	}
	rnd := io.Reader(rand.Reader)
	seq := clock.NewHybridSequence(clock.System{})
	if opts.Rand != nil {
		// Asked to be reproducible: the same calls give the same jti.
		rnd = &lockedReader{r: opts.Rand}
		seq = clock.NewCounterSequence()
	}
	base, err := s.resolveBaseURL()
	if err != nil {
		s.release()
		return nil, err
	}
	s.baseURL = base
	s.journal = journal.New(cfg.Server.JournalSize)
	s.faults = faults.NewQueue(func(name string) bool { return s.find(name) != nil })
	if err := s.shareState(); err != nil {
		s.release()
		return nil, fmt.Errorf("server.store: %w", err)
	}
	if err := s.buildInstances(rnd, seq); err != nil {
		s.release()
		return nil, err
	}
	s.journal.SetInspector(s.inspectToken)
	s.http = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		// Mostly client-caused (TLS handshake failures, bad requests).
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

func (s *Server) buildInstances(rnd io.Reader, seq clock.Sequence) error {
	for _, in := range s.cfg.Instances {
		root := in.Name == s.cfg.Server.Root
		issuer := s.baseURL + in.Mount
		if root {
			// One issuer for both mounts: tokens and discovery must agree
			// whichever URL the client was given.
			issuer = s.baseURL
		}
		p, err := in.Factory.New(provider.Deps{
			Name:     in.Name,
			Issuer:   issuer,
			Clock:    s.clock,
			Store:    s.backend.Namespace(in.Name),
			Logger:   s.logger.With("provider", in.Name),
			Rand:     rnd,
			Sequence: seq,
			MaxBody:  s.cfg.Server.MaxBodyBytes,
			BaseDir:  s.cfg.BaseDir,
			Peer:     s.peer,
		}, in.Config)
		if err != nil {
			return fmt.Errorf("provider %q: %w", in.Name, err)
		}
		s.instances = append(s.instances, &instance{Instance: in, issuer: issuer, root: root, provider: p})
	}
	return nil
}

// peer implements provider.Deps.Peer. Instances are all built before
// the server serves, and never change afterwards.
func (s *Server) peer(name string) (string, *jwtutil.KeySet, bool) {
	in := s.find(name)
	if in == nil {
		return "", nil, false
	}
	keys := provider.Keys(in.provider)
	return in.issuer, keys, keys != nil
}

// release frees what New acquired when New fails.
func (s *Server) release() {
	if s.listener != nil {
		_ = s.listener.Close()
	}
	if s.ownsBackend {
		_ = s.backend.Close()
	}
}

// URL returns the base URL, with no trailing slash.
func (s *Server) URL() string { return s.baseURL }

// ProviderURL returns the base URL (the issuer) of the instance called
// name, or "" if there is none. With server.root naming the instance, that
// is the bare base URL.
func (s *Server) ProviderURL(name string) string {
	if in := s.find(name); in != nil {
		return in.issuer
	}
	return ""
}

// Provider returns the instance called name, or nil; the CLI mints tokens
// through it without serving.
func (s *Server) Provider(name string) provider.Provider {
	if in := s.find(name); in != nil {
		return in.provider
	}
	return nil
}

// Clock returns the clock every instance reads.
func (s *Server) Clock() *clock.Controlled { return s.clock }

// Journal returns the record of recent exchanges.
func (s *Server) Journal() *journal.Journal { return s.journal }

// Faults returns the fault queue every instance's routes consult.
func (s *Server) Faults() *faults.Queue { return s.faults }

// TLSCertPEM returns the self-signed certificate, PEM-encoded, for clients
// to trust; nil unless the server was started with server.tls.self_signed.
func (s *Server) TLSCertPEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.certPEM
}

// TLSCertPath returns where the self-signed certificate was written, or ""
// when none was.
func (s *Server) TLSCertPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.certPath
}

func (s *Server) find(name string) *instance {
	for _, in := range s.instances {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// ProviderInfo describes a mounted instance, for the banner and
// /_authmock/providers.
type ProviderInfo struct {
	Name    string `json:"name"`
	Dialect string `json:"dialect"`
	// URL is the instance's base URL (its issuer).
	URL string `json:"url"`
	// Mount is its path prefix; Root says it is also served at "/".
	Mount string `json:"mount"`
	Root  bool   `json:"root,omitempty"`
	// Description is set when the instance implements provider.Describer.
	Description *provider.Description `json:"description,omitempty"`
}

// Providers describes every instance, in mount order.
func (s *Server) Providers() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(s.instances))
	for _, in := range s.instances {
		info := ProviderInfo{Name: in.Name, Dialect: in.Dialect, URL: in.issuer, Mount: in.Mount, Root: in.root}
		if d, ok := provider.As[provider.Describer](in.provider); ok {
			desc := d.Describe()
			info.Description = &desc
		}
		out = append(out, info)
	}
	return out
}

// lockedReader serialises reads from a reader that may not be safe for
// concurrent use (a deterministic test source).
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}
