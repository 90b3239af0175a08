package faults

import (
	"slices"
	"strconv"

	"github.com/gorilla/mux"
)

// Shared keeps the rules where every replica sees them (Redis), so that a
// rule with count 1 fires once across all of them. The queue keeps a
// mirror for matching, which the caller refreshes with Reload whenever
// another replica changes the rules.
type Shared interface {
	// Add stores a validated rule and returns it with its id.
	Add(r Rule) (Rule, error)
	// Load returns every rule, with Remaining and Fired as they stand.
	Load() ([]Rule, error)
	// Delete removes rules and returns how many there were.
	Delete(ids ...string) (int, error)
	// Fire counts one firing of rule id atomically and returns the rule
	// as it then is; ok is false when it is gone or used up.
	Fire(id string) (r Rule, ok bool, err error)
}

// Share makes sh hold the queue's rules from now on and loads them.
// onError hears of a shared call that failed (the call then acts as if
// the rule were not there).
func (q *Queue) Share(sh Shared, onError func(error)) error {
	q.mu.Lock()
	q.shared, q.onSharedError = sh, onError
	q.unlock()
	return q.Reload()
}

// Reload refreshes the mirror from the shared rules.
func (q *Queue) Reload() error {
	q.mu.Lock()
	sh := q.shared
	q.unlock()
	if sh == nil {
		return nil
	}
	rules, err := sh.Load()
	if err != nil {
		return err
	}
	mirror := make([]*Rule, 0, len(rules))
	for i := range rules {
		r := rules[i]
		r.compile()
		mirror = append(mirror, &r)
	}
	slices.SortFunc(mirror, func(a, b *Rule) int { return idOrder(a.ID) - idOrder(b.ID) })
	q.mu.Lock()
	q.rules = mirror
	q.unlock()
	return nil
}

func idOrder(id string) int {
	n, _ := strconv.Atoi(id)
	return n
}

// compile builds the route of a rule validated elsewhere.
func (r *Rule) compile() {
	if r.Path != "" {
		r.route = mux.NewRouter().Path(r.Path)
	}
}

func (q *Queue) sharedError(err error) {
	if q.onSharedError != nil && err != nil {
		q.onSharedError(err)
	}
}

// takeShared is take with the rules shared: the first matching rule that
// the shared store agrees to fire wins; one another replica used up is
// dropped from the mirror and the next is tried.
func (q *Queue) takeShared(sh Shared, candidates []string) (Rule, bool) {
	for _, id := range candidates {
		fired, ok, err := sh.Fire(id)
		if err != nil {
			q.sharedError(err)
			return Rule{}, false
		}
		q.mu.Lock()
		for i, r := range q.rules {
			if r.ID != id {
				continue
			}
			if !ok || fired.Remaining == 0 {
				q.rules = append(q.rules[:i], q.rules[i+1:]...)
			} else {
				r.Remaining, r.Fired = fired.Remaining, fired.Fired
			}
			break
		}
		q.unlock()
		if ok {
			fired.compile()
			return fired, true
		}
	}
	return Rule{}, false
}

// clearShared removes the shared rules of provider (every rule when
// provider is empty).
func (q *Queue) clearShared(sh Shared, provider string) int {
	rules, err := sh.Load()
	if err != nil {
		q.sharedError(err)
		return 0
	}
	var ids []string
	for _, r := range rules {
		if provider == "" || r.Provider == provider {
			ids = append(ids, r.ID)
		}
	}
	n := 0
	if len(ids) > 0 {
		n, err = sh.Delete(ids...)
		q.sharedError(err)
	}
	q.sharedError(q.Reload())
	return n
}
