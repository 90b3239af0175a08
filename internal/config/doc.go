// Package config reads authmock's one configuration file, merges it over
// the embedded defaults (fixtures.Defaults), applies environment and flag
// overrides, and validates the result, reporting every problem at once with
// its JSON path ("providers[1].mount").
//
// Merging: each "server" field given replaces its default. A "providers"
// entry whose name is a default instance is applied to it as an RFC 7396
// JSON Merge Patch (objects merge, arrays replace, null deletes), so
// {"name":"oidc","config":{"interactive":true}} flips one setting and keeps
// the demo clients; a new name is appended and must give its dialect;
// "disabled": true drops an instance; a top-level "defaults": false starts
// from no default instances at all.
//
// It owns the file format and nothing else: dialects are handed in as data
// (a map of provider.Factory by dialect name) and decode their own "config"
// object, so this package never imports a dialect, and the server never
// parses a file. Effective renders a Config back into the same format, so
// "authmock config --print" output is itself a valid configuration file.
package config
