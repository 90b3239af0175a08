package faults

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorilla/mux"
)

// Queue holds the rules of every instance, safe for concurrent use.
type Queue struct {
	mu    sync.Mutex
	rules []*Rule // in the order they were queued: the first match fires
	// queued is len(rules), stored by unlock: every request asks wants,
	// which answers "none" without the lock, as it almost always is.
	queued atomic.Int32
	seq    int
	known  func(provider string) bool

	// shared, when set, holds the rules for every replica and rules is
	// its mirror (shared.go).
	shared        Shared
	onSharedError func(error)
}

// NewQueue returns an empty queue that accepts rules for the instances
// known reports.
func NewQueue(known func(provider string) bool) *Queue {
	return &Queue{known: known}
}

// Add validates r and queues it behind the others, returning it with its
// id and remaining count.
func (q *Queue) Add(r Rule) (Rule, error) {
	r.Fired = 0
	if err := r.validate(q.known); err != nil {
		return Rule{}, err
	}
	q.mu.Lock()
	if sh := q.shared; sh != nil {
		q.unlock()
		added, err := sh.Add(r)
		if err != nil {
			return Rule{}, err
		}
		return added, q.Reload()
	}
	defer q.unlock()
	q.seq++
	r.ID = strconv.Itoa(q.seq)
	q.rules = append(q.rules, &r)
	return r, nil
}

// List returns the queued rules that can still fire, oldest first.
func (q *Queue) List() []Rule {
	q.mu.Lock()
	defer q.unlock()
	out := make([]Rule, 0, len(q.rules))
	for _, r := range q.rules {
		out = append(out, *r)
	}
	return out
}

// Delete removes the rule with the given id, reporting whether there was
// one.
func (q *Queue) Delete(id string) bool {
	q.mu.Lock()
	if sh := q.shared; sh != nil {
		q.unlock()
		n, err := sh.Delete(id)
		q.sharedError(err)
		q.sharedError(q.Reload())
		return n > 0
	}
	defer q.unlock()
	for i, r := range q.rules {
		if r.ID == id {
			q.rules = append(q.rules[:i], q.rules[i+1:]...)
			return true
		}
	}
	return false
}

// Clear removes every rule of provider, or every rule when provider is
// empty, and returns how many went.
func (q *Queue) Clear(provider string) int {
	q.mu.Lock()
	if sh := q.shared; sh != nil {
		q.unlock()
		return q.clearShared(sh, provider)
	}
	defer q.unlock()
	kept := q.rules[:0]
	for _, r := range q.rules {
		if provider != "" && r.Provider != provider {
			kept = append(kept, r)
		}
	}
	n := len(q.rules) - len(kept)
	clear(q.rules[len(kept):])
	q.rules = kept
	return n
}

// wants reports whether any rule of provider exists, and whether one needs
// the request's form to match (so the body is only peeked at when needed).
// unlock releases mu, publishing how many rules there are; every change
// to rules is made under mu.
func (q *Queue) unlock() {
	q.queued.Store(int32(len(q.rules)))
	q.mu.Unlock()
}

func (q *Queue) wants(provider string) (has, needsForm bool) {
	if q.queued.Load() == 0 {
		return false, false
	}
	q.mu.Lock()
	defer q.unlock()
	for _, r := range q.rules {
		if r.Provider == provider {
			has = true
			needsForm = needsForm || r.ClientID != "" || r.User != ""
		}
	}
	return has, needsForm
}

// take finds the first rule of provider matching the request, counts it
// fired, drops it when it is used up, and returns a copy. rel is the
// request with its path made relative to the instance's mount.
func (q *Queue) take(provider string, rel *http.Request, form url.Values) (Rule, bool) {
	q.mu.Lock()
	if sh := q.shared; sh != nil {
		var candidates []string
		for _, r := range q.rules {
			if r.Provider == provider && r.matches(rel, form) {
				candidates = append(candidates, r.ID)
			}
		}
		q.unlock()
		return q.takeShared(sh, candidates)
	}
	defer q.unlock()
	for i, r := range q.rules {
		if r.Provider != provider || !r.matches(rel, form) {
			continue
		}
		r.Fired++
		if r.Remaining > 0 {
			r.Remaining--
		}
		fired := *r
		if r.Remaining == 0 {
			q.rules = append(q.rules[:i], q.rules[i+1:]...)
		}
		return fired, true
	}
	return Rule{}, false
}

func (r *Rule) matches(rel *http.Request, form url.Values) bool {
	if r.Method != "" && r.Method != rel.Method {
		return false
	}
	if r.route != nil {
		var m mux.RouteMatch
		if !r.route.Match(rel, &m) {
			return false
		}
	}
	if r.ClientID != "" && clientID(rel, form) != r.ClientID {
		return false
	}
	if r.User != "" && userName(rel, form) != r.User {
		return false
	}
	return true
}

// clientID is the client a request names: client_id in the form or query,
// else the HTTP Basic user name (form-unescaped, as RFC 6749 §2.3.1 sends
// it).
func clientID(r *http.Request, form url.Values) string {
	if id := first(form, r.URL.Query(), "client_id"); id != "" {
		return id
	}
	if user, _, ok := r.BasicAuth(); ok {
		if u, err := url.QueryUnescape(user); err == nil {
			return u
		}
		return user
	}
	return ""
}

// userName is the user a request signs in as.
func userName(r *http.Request, form url.Values) string {
	for _, name := range []string{"username", "email", "login_hint"} {
		if u := first(form, r.URL.Query(), name); u != "" {
			return u
		}
	}
	return ""
}

func first(form, query url.Values, name string) string {
	if v := form.Get(name); v != "" {
		return v
	}
	return query.Get(name)
}
