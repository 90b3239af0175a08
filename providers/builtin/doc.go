// Package builtin lists authmock's built-in dialects. It is the only
// package that names every dialect, so that adding one is one import and
// one list entry, and so that the server and the configuration loader can
// take their factories as data (and tests can hand them a fake instead).
package builtin
