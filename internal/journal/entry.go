package journal

import "time"

// Entry is one recorded exchange.
type Entry struct {
	// Seq numbers entries from 1 in arrival order; poll with After to see
	// only what is new.
	Seq uint64 `json:"seq"`
	// Time is the server clock when the request arrived: the clock tokens
	// are stamped with, so it may be frozen or moved.
	Time      time.Time `json:"time"`
	Provider  string    `json:"provider,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	// Query, Headers and Form are the request's, with secrets fingerprinted
	// and long values cut (see QueryNote and the "[… bytes cut]" marker).
	Query map[string][]string `json:"query,omitempty"`
	// QueryNote says how much of a long query string was cut before it
	// was parsed into Query.
	QueryNote string              `json:"query_note,omitempty"`
	Headers   map[string][]string `json:"headers"`
	Form      map[string][]string `json:"form,omitempty"`
	// JSON is a JSON request body, decoded, with secret members
	// fingerprinted.
	JSON any `json:"json,omitempty"`
	// BodyNote says why a body is not shown ("14 bytes of text/plain",
	// "truncated", "not valid JSON").
	BodyNote string `json:"body_note,omitempty"`
	// Status is the answer's; 0 means none was sent (a fault dropped the
	// connection, or the client left first).
	Status   int      `json:"status"`
	Response Response `json:"response"`
	// Tokens are the JWTs in the exchange, decoded when the entry is
	// listed, when the journal has an inspector.
	Tokens []JWT `json:"tokens,omitempty"`
	// raw is what the entry shows once rendered (render.go): the bodies as
	// sent, with their secrets. A pointer, which fmt prints as an address.
	raw *rawExchange
	// Fault names the fault rule that answered instead of the provider.
	Fault      string  `json:"fault,omitempty"`
	DurationMS float64 `json:"duration_ms"`

	// size is what the entry is estimated to hold, for the journal's
	// byte bound.
	size int
}

// Response summarises what the client got back.
type Response struct {
	// Headers are the ones a client acts on (Location, WWW-Authenticate,
	// Retry-After, ETag, Content-Type, Cache-Control), secrets fingerprinted.
	Headers map[string][]string `json:"headers,omitempty"`
	// JSON is a JSON response body with token values fingerprinted.
	JSON  any `json:"json,omitempty"`
	Bytes int `json:"bytes"`
}

// Filter selects entries; zero fields match everything.
type Filter struct {
	Provider string
	// Path matches entries whose path contains it, so "/api/access_token"
	// finds the exchange at "/trackmania/api/access_token".
	Path   string
	Method string
	// Since and Until bound Time, inclusive.
	Since, Until time.Time
	// After keeps entries with Seq > After.
	After uint64
	// Limit keeps the newest Limit matches; 0 means all.
	Limit int
}
