// Package httpx holds the HTTP plumbing shared by the server and every
// dialect: response writers, the outer middleware (recover, request id,
// access log, body limit, CORS) and strict form parsing. It knows nothing of
// OAuth2, so the same pieces serve the admin API and non-OAuth dialects.
package httpx
