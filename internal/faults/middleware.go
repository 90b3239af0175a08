package faults

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/authmock/authmock/internal/httpx"
	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/oauth"
)

// peekLimit bounds how much of a form body is read to match client_id or
// user; the handler still gets the whole body.
const peekLimit = 64 << 10

// Middleware applies the queue's rules for one instance, mounted at mount
// ("" when the routes are served at the root). A preset error is written
// by the renderer the matched route declared when it was mounted
// (oauth.RouteRenderer), so it reads as that route's own errors do;
// fallback writes it on a route that declared none.
func (q *Queue) Middleware(provider, mount string, fallback oauth.ErrorRenderer) mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			has, needsForm := q.wants(provider)
			if !has {
				next.ServeHTTP(w, r)
				return
			}
			var form url.Values
			if needsForm {
				form = peekForm(r)
			}
			rule, ok := q.take(provider, relative(r, mount), form)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			journal.Annotate(w, "fault rule "+rule.ID+describe(rule))
			if d := rule.delay(); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if !rule.answers() {
				next.ServeHTTP(w, r)
				return
			}
			respond(w, r, rule, oauth.RouteRenderer(r, fallback))
		})
	}
}

func describe(r Rule) string {
	if r.Preset != "" {
		return " (" + r.Preset + ")"
	}
	return ""
}

// relative returns r with the mount stripped from its path, the form rule
// paths are written in.
func relative(r *http.Request, mount string) *http.Request {
	p := r.URL.Path
	if mount != "" && (p == mount || strings.HasPrefix(p, mount+"/")) {
		p = strings.TrimPrefix(p, mount)
		if p == "" {
			p = "/"
		}
	}
	rel := new(http.Request)
	*rel = *r
	u := *r.URL
	u.Path, u.RawPath = p, ""
	rel.URL = &u
	return rel
}

// peekForm parses a form body without consuming it.
func peekForm(r *http.Request) url.Values {
	if r.Body == nil || r.Body == http.NoBody || !httpx.IsMediaType(r, "application/x-www-form-urlencoded") {
		return nil
	}
	buf, _ := io.ReadAll(io.LimitReader(r.Body, peekLimit))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	form, _ := url.ParseQuery(string(buf))
	return form
}

// respond writes the rule's answer: a dropped connection, the preset error
// in the dialect's format, or the rule's own status, headers and body.
func respond(w http.ResponseWriter, r *http.Request, rule Rule, renderer oauth.ErrorRenderer) {
	p := presets[rule.Preset]
	if p.drop && rule.Status == 0 {
		drop(w)
		return
	}
	for k, v := range rule.Headers {
		w.Header().Set(k, v)
	}
	if p.error != nil && len(rule.Body) == 0 {
		e := p.error()
		if rule.Status != 0 {
			e.Status = rule.Status
		}
		renderer.WriteError(w, r, e)
		return
	}
	status := rule.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeBody(w, status, rule.Body)
}

func writeBody(w http.ResponseWriter, status int, body json.RawMessage) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		w.WriteHeader(status)
		return
	}
	var text string
	if json.Unmarshal(body, &text) == nil {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// drop closes the connection without a response, as a crashed or
// unreachable upstream would. Where the connection cannot be taken over
// (HTTP/2), net/http's abort panic resets the stream instead.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tcp.SetLinger(0) // a reset, not a tidy close
	}
	_ = conn.Close()
}
