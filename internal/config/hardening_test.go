package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authmock/authmock/fixtures"
)

func TestAdminHostsOriginsAndShutdownGrace(t *testing.T) {
	cfg, ps := Load([]byte(`{"server": {"admin_hosts": ["dev.test", "10.0.0.5"], "admin_origins": ["http://dev.test:3000"], "shutdown_grace": "30s"}}`), t.TempDir(), testFactories())
	require.Empty(t, ps, "%v", ps)
	assert.Equal(t, []string{"dev.test", "10.0.0.5"}, cfg.Server.AdminHosts)
	assert.Equal(t, []string{"http://dev.test:3000"}, cfg.Server.AdminOrigins)
	assert.Equal(t, 30*time.Second, cfg.Server.ShutdownGrace.D())

	cfg, ps = Load(nil, t.TempDir(), testFactories())
	require.Empty(t, ps)
	assert.Equal(t, 10*time.Second, cfg.Server.ShutdownGrace.D(), "the default")

	for _, tc := range []struct{ value, want string }{{"2.5", "2.5s"}, {"1m", "1m0s"}, {"0", "0s"}} {
		cfg, ps = Load(nil, t.TempDir(), testFactories(), Override{Flag: "shutdown-grace", Value: tc.value, Origin: "--shutdown-grace"})
		require.Empty(t, ps, "%v", ps)
		assert.Equal(t, tc.want, cfg.Server.ShutdownGrace.D().String(), tc.value)
	}

	_, ps = Load([]byte(`{"server": {"admin_hosts": ["http://dev.test", ""], "admin_origins": ["*", "dev.test"], "shutdown_grace": "1h"}}`), t.TempDir(), testFactories())
	assert.Equal(t, []string{
		`server.admin_hosts[0]: must be a host name or IP address without scheme, port or path, such as dev.test`,
		`server.admin_hosts[1]: must not be empty`,
		`server.admin_origins[0]: must be an origin such as http://dev.test:8080; "*" would let any page drive the admin API`,
		`server.admin_origins[1]: must be "*" or an origin such as http://localhost:3000`,
		`server.shutdown_grace: must be at most 10m0s`,
	}, problemStrings(ps))

	_, ps = Load(nil, t.TempDir(), testFactories(), Override{Flag: "shutdown-grace", Value: "soon", Origin: "AUTHMOCK_SHUTDOWN_GRACE"})
	assert.Equal(t, []string{`server.shutdown_grace: invalid duration "soon" (want e.g. "1h", "90s" or a number of seconds) (from AUTHMOCK_SHUTDOWN_GRACE)`}, problemStrings(ps))
}

func problemStrings(ps fixtures.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
