package authmocktest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/authmock/authmock/internal/clock"
	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/faults"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/server"
	"github.com/authmock/authmock/providers/builtin"
)

// Type aliases give tests the control plane's types without importing
// authmock's internal packages.
type (
	// Fault is a rule queued with QueueFault.
	Fault = faults.Rule
	// Exchange is one request and response recorded by the journal.
	Exchange = journal.Entry
	// JournalFilter selects exchanges; zero fields match everything.
	JournalFilter = journal.Filter
	// MintRequest says what token Mint makes.
	MintRequest = provider.MintRequest
	// MintResult holds the minted tokens.
	MintResult = provider.MintResult
)

// Server is a running authmock.
type Server struct {
	t   testing.TB // nil for a server from Start
	srv *server.Server
}

type options struct {
	configJSON []byte
	frozenAt   time.Time
	seed       *uint64
	logger     *slog.Logger
	root       string
}

// Option configures New.
type Option func(*options)

// WithConfig applies a configuration file's JSON over the embedded
// defaults, exactly as --config does ("defaults": false starts from no
// instances). server.addr is always 127.0.0.1:0.
func WithConfig(configJSON string) Option {
	return func(o *options) { o.configJSON = []byte(configJSON) }
}

// WithFrozenAt freezes the clock at t instead of at the moment New runs,
// so iat and exp are the same on every run.
func WithFrozenAt(t time.Time) Option { return func(o *options) { o.frozenAt = t } }

// WithSeed makes every random value (codes, refresh tokens, jti) come from
// a generator seeded with seed, so that together with WithFrozenAt and the
// fixed demo keys a test sees byte-identical tokens on every run. Never
// use it outside tests: the values are predictable.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = &seed } }

// WithLogger sends the server's logs (the access log included) to l; by
// default they are discarded.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRoot also serves the named instance at "/", as --root does.
func WithRoot(name string) Option { return func(o *options) { o.root = name } }

// New starts a server for the duration of t and closes it on t.Cleanup.
// A configuration problem or a failure to start fails t at once.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("authmocktest: %v", err)
	}
	s.t = t
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test's lifetime (in TestMain, or an
// example); the caller must Close it. Its methods panic where New's would
// fail the test.
func Start(opts ...Option) (*Server, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.frozenAt.IsZero() {
		o.frozenAt = time.Now().Truncate(time.Second)
	}
	overrides := []config.Override{{Flag: "addr", Value: "127.0.0.1:0", Origin: "authmocktest"}}
	if o.root != "" {
		overrides = append(overrides, config.Override{Flag: "root", Value: o.root, Origin: "authmocktest.WithRoot"})
	}
	cfg, err := loadConfig(o.configJSON, overrides)
	if err != nil {
		return nil, err
	}
	sopts := server.Options{Clock: clock.NewFrozen(o.frozenAt), Logger: o.logger}
	if o.seed != nil {
		sopts.Rand = seededReader(*o.seed)
	}
	srv, err := server.New(cfg, sopts)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(context.Background()); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("starting: %w", err)
	}
	return &Server{srv: srv}, nil
}

// loaded caches configurations by their input: decoding and validating
// the defaults is a quarter of creating a server, and a test suite creates
// hundreds from the same few inputs. Sharing is safe because a Config is
// read-only once loaded: instances copy the fixtures they change (tested
// by TestServersFromOneConfigShareNoState).
var loaded sync.Map // string → *config.Config

func loadConfig(configJSON []byte, overrides []config.Override) (*config.Config, error) {
	key := string(configJSON)
	for _, o := range overrides {
		key += "\x00" + o.Flag + "=" + o.Value
	}
	if cfg, ok := loaded.Load(key); ok {
		return cfg.(*config.Config), nil
	}
	cfg, ps := config.Load(configJSON, ".", builtin.ByDialect(), overrides...)
	if len(ps) > 0 {
		return nil, fmt.Errorf("configuration problems:\n%v", ps)
	}
	loaded.Store(key, cfg)
	return cfg, nil
}

// Close stops the server and frees its port; New's servers close
// themselves.
func (s *Server) Close() { _ = s.srv.Close() }

// fatalf fails the test, or panics for a server from Start.
func (s *Server) fatalf(format string, args ...any) {
	if s.t == nil {
		panic(fmt.Sprintf("authmocktest: "+format, args...))
	}
	s.t.Helper()
	s.t.Fatalf("authmocktest: "+format, args...)
}

// seededReader is a deterministic byte source for WithSeed.
func seededReader(seed uint64) io.Reader {
	return rand.NewChaCha8([32]byte{0: byte(seed), 1: byte(seed >> 8), 2: byte(seed >> 16), 3: byte(seed >> 24),
		4: byte(seed >> 32), 5: byte(seed >> 40), 6: byte(seed >> 48), 7: byte(seed >> 56)})
}

// URL is the server's base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.srv.URL() }

// ProviderURL is the base URL (the issuer) of the named instance: "oidc",
// "dotypos", "trackmania", "fastapi" with the defaults. It fails the test
// when there is no such instance.
func (s *Server) ProviderURL(name string) string {
	if s.t != nil {
		s.t.Helper()
	}
	u := s.srv.ProviderURL(name)
	if u == "" {
		s.fatalf("no provider instance %q", name)
	}
	return u
}

// Client returns an HTTP client for the server that does not follow
// redirects, so a test can read the Location an authorization endpoint
// answers with. Use http.DefaultClient to follow them.
func (s *Server) Client() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Now is the server clock's reading.
func (s *Server) Now() time.Time { return s.srv.Clock().Now() }

// Advance moves the server clock by d; every provider's tokens, codes and
// expiry checks follow it.
func (s *Server) Advance(d time.Duration) { s.srv.Clock().Advance(d) }

// SetClock moves the server clock to t, keeping it frozen or running.
func (s *Server) SetClock(t time.Time) { s.srv.Clock().Set(t) }

// Unfreeze lets the clock run from its current reading; Freeze stops it.
func (s *Server) Unfreeze() { s.srv.Clock().Unfreeze() }

// Freeze stops the clock at its current reading.
func (s *Server) Freeze() { s.srv.Clock().Freeze() }

// QueueFault queues a fault rule and returns it with its id; an invalid
// rule fails the test.
func (s *Server) QueueFault(f Fault) Fault {
	if s.t != nil {
		s.t.Helper()
	}
	added, err := s.srv.Faults().Add(f)
	if err != nil {
		s.fatalf("fault rule: %v", err)
	}
	return added
}

// Faults lists the rules still queued.
func (s *Server) Faults() []Fault { return s.srv.Faults().List() }

// DeleteFault removes a queued rule, reporting whether it was there.
func (s *Server) DeleteFault(id string) bool { return s.srv.Faults().Delete(id) }

// Journal returns the recorded exchanges f selects, oldest first.
func (s *Server) Journal(f JournalFilter) []Exchange { return s.srv.Journal().List(f) }

// Mint makes tokens as the named instance would issue them, without a
// login: for tests that need a token for a given user, client or claims.
func (s *Server) Mint(providerName string, req MintRequest) MintResult {
	if s.t != nil {
		s.t.Helper()
	}
	res, err := capability[provider.Minter](s, providerName, "mint tokens").Mint(context.Background(), req)
	if err != nil {
		s.fatalf("minting for %q: %v", providerName, err)
	}
	return res
}

// Reset returns every provider to its fixtures, clears all state, the
// faults and the journal, and puts the clock back where New froze it.
func (s *Server) Reset() {
	if s.t != nil {
		s.t.Helper()
	}
	if err := s.srv.Reset(context.Background()); err != nil {
		s.fatalf("reset: %v", err)
	}
}

// String names the server, for test logs.
func (s *Server) String() string { return fmt.Sprintf("authmock at %s", s.srv.URL()) }
