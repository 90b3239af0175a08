// Package archtest holds no code, only a test that enforces the import
// rules of docs/architecture.md, so that a provider importing another, or
// the machinery importing a provider, fails the build's tests rather than a
// review.
package archtest
