// Package server assembles and runs authmock's HTTP server: one gorilla/mux
// router with each enabled provider instance mounted on its own path prefix
// (and optionally at "/"), authmock's own /_authmock endpoints, the outer
// middleware chain (recover, request id, access log, body limit, CORS),
// TLS, and a graceful lifecycle.
//
// It is separate from cmd/authmock so that the same wiring serves the
// command, the Go test harness and this package's own tests, and separate
// from the dialects so that none of them knows how, or where, it is
// mounted. It receives configuration and factories as data and never names
// a dialect.
package server
