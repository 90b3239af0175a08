// Package dashboard serves authmock's page in the browser at
// /_authmock/ui: the providers, the live journal with every JWT decoded,
// and the control plane (tokens, clock, faults, fixtures, reset) a click
// away.
//
// It is separate from internal/admin because it holds no state and no
// logic of its own: one html/template page, one script and one stylesheet,
// embedded, that talk only to the admin API like any other client. It needs
// no build step, no CDN and no network.
package dashboard
