package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/oauth"
)

// Rule is one queued fault. Zero match fields match anything.
type Rule struct {
	// ID is assigned when the rule is queued.
	ID string `json:"id"`
	// Provider is the instance name the rule applies to (required).
	Provider string `json:"provider"`
	Method   string `json:"method,omitempty"`
	// Path is a gorilla/mux path template relative to the instance's mount,
	// "/api/access_token" or "/v2/clouds/{cloudId}"; empty matches every
	// route of the instance.
	Path string `json:"path,omitempty"`
	// ClientID matches the client_id of the request: the form or query
	// parameter, or the HTTP Basic user name.
	ClientID string `json:"client_id,omitempty"`
	// User matches the user the request signs in as: the username, email or
	// login_hint parameter.
	User string `json:"user,omitempty"`
	// Count is how many matching requests the rule answers: 0 means 1, -1
	// means until it is deleted.
	Count int `json:"count,omitempty"`
	// Remaining is how many more times the rule will fire; -1 for always.
	Remaining int `json:"remaining"`
	// Preset names a canned answer (see Presets); Status, Headers and Body
	// override its parts.
	Preset  string            `json:"preset,omitempty"`
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is sent as given: a JSON string is sent as text, anything else as
	// JSON.
	Body json.RawMessage `json:"body,omitempty"`
	// DelayMS waits this long (real time) before answering; a rule with
	// only a delay then lets the provider answer.
	DelayMS int `json:"delay_ms,omitempty"`
	// Fired counts the requests the rule has answered.
	Fired int `json:"fired"`

	route *mux.Route // compiled Path
}

// Preset is a canned fault.
type Preset struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Error is rendered in the instance's dialect; nil for presets that are
	// not an error response.
	error func() *oauth.Error
	drop  bool
	delay time.Duration
}

// presets, by name. Errors are built fresh per use: renderers may not
// mutate them, but fresh values make that impossible to get wrong.
var presets = map[string]Preset{
	"invalid_request": {Description: "400 invalid_request", error: func() *oauth.Error {
		return oauth.InvalidRequest("injected fault: the request is invalid")
	}},
	"invalid_client": {Description: "401 invalid_client", error: func() *oauth.Error {
		return oauth.InvalidClient("injected fault: client authentication failed")
	}},
	"invalid_grant": {Description: "400 invalid_grant (a code or refresh token that no longer works)", error: func() *oauth.Error {
		return oauth.InvalidGrant("injected fault: the grant is invalid, expired or revoked")
	}},
	"unauthorized_client": {Description: "400 unauthorized_client", error: func() *oauth.Error {
		return oauth.UnauthorizedClient("injected fault: the client may not use this grant")
	}},
	"invalid_scope": {Description: "400 invalid_scope", error: func() *oauth.Error {
		return oauth.InvalidScope("injected fault: the scope is invalid")
	}},
	"access_denied": {Description: "403 access_denied", error: func() *oauth.Error {
		return oauth.AccessDenied("injected fault: access denied").WithStatus(http.StatusForbidden)
	}},
	"invalid_token": {Description: "401 invalid_token (a revoked or malformed access token)", error: func() *oauth.Error {
		return oauth.InvalidToken("injected fault: the access token is invalid")
	}},
	"expired_token": {Description: "the dialect's expired-access-token answer (401 invalid_token; Dotypos: 403 ACCESS_TOKEN_EXPIRED)", error: func() *oauth.Error {
		// The kind, not the wording, tells a renderer that words an
		// expired token apart (Dotypos) what this is.
		return oauth.AccessTokenExpired("injected fault: the access token expired")
	}},
	"insufficient_scope": {Description: "403 insufficient_scope", error: func() *oauth.Error {
		return oauth.InsufficientScope("injected fault: the token lacks a scope")
	}},
	"server_error": {Description: "500 server_error", error: func() *oauth.Error {
		return oauth.ServerError(nil)
	}},
	"temporarily_unavailable": {Description: "503 temporarily_unavailable with Retry-After: 1", error: func() *oauth.Error {
		e := oauth.ServerError(nil)
		e.Code, e.Description = oauth.CodeTemporarilyUnavailable, "injected fault: the server is temporarily unavailable"
		return e.WithHeader("Retry-After", "1")
	}},
	"rate_limited": {Description: "429 with Retry-After: 1, in the dialect's error format", error: func() *oauth.Error {
		e := oauth.ServerError(nil)
		e.Code, e.Description = oauth.CodeSlowDown, "injected fault: too many requests"
		return e.WithStatus(http.StatusTooManyRequests).WithHeader("Retry-After", "1")
	}},
	"delay": {Description: "wait delay_ms (default 2000) and let the provider answer", delay: 2 * time.Second},
	"drop":  {Description: "close the connection without answering", drop: true},
}

// Presets lists the canned faults, by name.
func Presets() []Preset {
	out := make([]Preset, 0, len(presets))
	for name, p := range presets {
		p.Name = name
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MaxDelay bounds DelayMS, so a typo cannot hang a test run.
const MaxDelay = 60 * time.Second

// validate checks r and compiles its path; knownProvider says whether an
// instance name exists.
func (r *Rule) validate(knownProvider func(string) bool) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch {
	case r.Provider == "":
		add("provider is required")
	case !knownProvider(r.Provider):
		add("provider %q is not a running instance", r.Provider)
	}
	if r.Method != "" {
		r.Method = strings.ToUpper(r.Method)
	}
	if r.Path != "" {
		if !strings.HasPrefix(r.Path, "/") {
			add("path must start with /")
		} else {
			route := mux.NewRouter().Path(r.Path)
			if err := route.GetError(); err != nil {
				add("path: %v", err)
			}
			r.route = route
		}
	}
	if r.Preset != "" {
		if _, ok := presets[r.Preset]; !ok {
			names := make([]string, 0, len(presets))
			for n := range presets {
				names = append(names, n)
			}
			slices.Sort(names)
			add("preset %q is unknown (known: %s)", r.Preset, strings.Join(names, ", "))
		}
	}
	if r.Status != 0 && (r.Status < 200 || r.Status > 599) {
		add("status %d is not an HTTP status from 200 to 599", r.Status)
	}
	if r.Preset == "" && r.Status == 0 && r.DelayMS == 0 {
		add("give a preset, a status or a delay_ms")
	}
	if r.DelayMS < 0 || time.Duration(r.DelayMS)*time.Millisecond > MaxDelay {
		add("delay_ms must be between 0 and %d", MaxDelay.Milliseconds())
	}
	if r.Count < -1 {
		add("count must be -1 (always), 0 (once) or a positive number")
	}
	if len(bytes.TrimSpace(r.Body)) > 0 && !json.Valid(r.Body) {
		add("body must be JSON (a string for a text body)")
	}
	for name := range r.Headers {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			add("header name %q is invalid", name)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	switch {
	case r.Count == 0:
		r.Remaining = 1
	default:
		r.Remaining = r.Count
	}
	return nil
}

// delay returns how long the rule waits.
func (r *Rule) delay() time.Duration {
	if r.DelayMS > 0 {
		return time.Duration(r.DelayMS) * time.Millisecond
	}
	return presets[r.Preset].delay
}

// answers reports whether the rule writes a response itself, rather than
// only delaying the provider's.
func (r *Rule) answers() bool {
	if r.Status != 0 || len(r.Body) > 0 {
		return true
	}
	p, ok := presets[r.Preset]
	return ok && (p.error != nil || p.drop)
}
