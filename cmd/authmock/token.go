package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/authmock/authmock/internal/config"
	"github.com/authmock/authmock/internal/provider"
	"github.com/authmock/authmock/internal/server"
)

// tokenCmd mints a token from a provider instance built in-process,
// without listening, for scripts and curl sessions.
func tokenCmd(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	name := fs.String("provider", "", "provider instance `NAME` (optional when there is only one)")
	clientID := fs.String("client", "", "client `ID` the token is issued to (required)")
	user := fs.String("user", "", "`USERNAME` the token is issued for; none means a client-credentials token")
	scope := fs.String("scope", "", "space-separated `SCOPES`")
	var claims claimFlags
	fs.Var(&claims, "claim", "extra claim `KEY=VALUE` (a string; repeatable; use --claims-json for other types)")
	claimsJSON := fs.String("claims-json", "", "extra claims as a JSON `OBJECT`; --claim values win")
	ttl := fs.Duration("ttl", 0, "access-token lifetime such as 10m (default: the provider's)")
	asJSON := fs.Bool("json", false, "print every token and expires_in as JSON instead of the access token alone")
	sf := addServerFlags(fs)
	if code, ok := parseFlags(fs, args, e); !ok {
		return code
	}
	if *clientID == "" {
		fmt.Fprintln(e.stderr, "authmock token: --client is required")
		return exitUsage
	}
	if *ttl < 0 || (*ttl > 0 && *ttl < time.Second) {
		fmt.Fprintln(e.stderr, "authmock token: --ttl must be at least 1s")
		return exitUsage
	}
	extra, err := claims.merged(*claimsJSON)
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock token: %v\n", err)
		return exitUsage
	}

	cfg, code := sf.load(e)
	if cfg == nil {
		return code
	}
	defaultIssuer(&cfg.Server)
	logger := newLogger(cfg.Server, e.stderr, slog.LevelWarn)
	if _, err := useSigner(cfg.Server, logger); err != nil {
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return exitError
	}
	srv, err := server.New(cfg, server.Options{Logger: logger})
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock: %v\n", err)
		return exitError
	}
	defer srv.Close()

	minter, err := findMinter(srv, *name)
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock token: %v\n", err)
		return exitError
	}
	res, err := minter.Mint(ctx, provider.MintRequest{
		ClientID:   *clientID,
		Username:   *user,
		Scopes:     strings.Fields(*scope),
		Claims:     extra,
		TTLSeconds: int64(ttl.Seconds()),
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "authmock token: %v\n", err)
		return exitError
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, res.AccessToken)
		return exitOK
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Fprintf(e.stdout, "%s\n", out)
	return exitOK
}

// defaultIssuer makes the base URL what "serve" with the same settings
// would use, without listening: an address with port 0 has no port to
// name yet, so it falls back to the default address.
func defaultIssuer(s *config.Server) {
	if s.IssuerURL != "" {
		return
	}
	if _, port, err := net.SplitHostPort(s.Addr); err == nil {
		if n, err := strconv.Atoi(port); err == nil && n != 0 {
			return // server.New derives it from the address, as for serve
		}
	}
	scheme := "http"
	if s.TLS.Enabled() {
		scheme = "https"
	}
	s.IssuerURL = scheme + "://" + config.Defaults().Addr
}

func findMinter(srv *server.Server, name string) (provider.Minter, error) {
	infos := srv.Providers()
	names := make([]string, len(infos))
	for i, p := range infos {
		names[i] = p.Name
	}
	if name == "" {
		if len(infos) != 1 {
			return nil, fmt.Errorf("--provider is required (have: %s)", strings.Join(names, ", "))
		}
		name = infos[0].Name
	}
	p := srv.Provider(name)
	if p == nil {
		return nil, fmt.Errorf("no provider named %q (have: %s)", name, strings.Join(names, ", "))
	}
	m, ok := provider.As[provider.Minter](p)
	if !ok {
		return nil, fmt.Errorf("provider %q cannot mint tokens outside a flow", name)
	}
	return m, nil
}

// claimFlags collects repeated --claim KEY=VALUE flags.
type claimFlags []string

func (c *claimFlags) String() string { return strings.Join(*c, ",") }

func (c *claimFlags) Set(s string) error {
	if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
		return errors.New("want KEY=VALUE")
	}
	*c = append(*c, s)
	return nil
}

// merged returns the claims of --claims-json with the --claim flags on top.
func (c claimFlags) merged(claimsJSON string) (map[string]any, error) {
	out := map[string]any{}
	if claimsJSON != "" {
		if err := json.Unmarshal([]byte(claimsJSON), &out); err != nil || out == nil {
			return nil, errors.New("--claims-json must be a JSON object")
		}
	}
	for _, kv := range c {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
