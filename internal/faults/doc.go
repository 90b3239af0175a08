// Package faults makes a provider's next calls fail on purpose: a queue of
// rules, each matching some requests of one provider instance and answering
// them with an error, a delay or a dropped connection instead of the
// provider, a given number of times.
//
// Dialects know nothing of faults. The server installs Middleware on each
// instance's routes; presets are rendered through the instance's own
// oauth.ErrorRenderer when it has one, so an injected invalid_grant looks
// exactly like a real one of that dialect.
package faults
