// Package authmocktest runs a complete authmock server inside a Go test,
// the way net/http/httptest runs an http.Server: one line per test, a
// fresh server with its own state, closed when the test ends.
//
//	am := authmocktest.New(t)
//	conf := &oauth2.Config{ClientID: "demo-web", ClientSecret: "demo-web-secret",
//		Endpoint: oauth2.Endpoint{TokenURL: am.ProviderURL("oidc") + "/token"}}
//
// Every built-in provider starts with its demo fixtures, listening on
// 127.0.0.1 with a port of its own. The clock is frozen (at the moment New
// ran, or at WithFrozenAt's instant) and the keys are the fixed demo keys,
// so a test decides when time passes. Faults, the journal, token minting
// and reset are typed calls on the Server.
package authmocktest
