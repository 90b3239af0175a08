// Package journal records the last exchanges a server answered, so a
// tester can see what their client actually sent: method, path, headers,
// form or JSON body, and the status and body it got back.
//
// Secrets never reach the journal in the clear. Credentials (Authorization
// values, client secrets, passwords, codes, tokens) are replaced by a short
// SHA-256 fingerprint, "[redacted sha256:1a2b3c4d]", so a tester can still
// tell which token a client presented by hashing the one they hold.
//
// The journal is a bounded ring: it keeps the newest N entries and never
// grows past them.
package journal
