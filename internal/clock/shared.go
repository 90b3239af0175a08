package clock

import "time"

// State is a Controlled clock's setting: frozen at At, or running at Offset
// from its base clock. Version orders the settings a Shared hands out, so
// that a replica never goes back to an older one it hears of late.
type State struct {
	Frozen  bool          `json:"frozen"`
	At      time.Time     `json:"at,omitzero"`
	Offset  time.Duration `json:"offset"`
	Version uint64        `json:"version"`
}

// Shared holds one clock setting for several processes (replicas on one
// Redis), so that every replica answers the same exp checks.
type Shared interface {
	// Update applies op to the shared setting atomically (op may run more
	// than once, on the setting as it then is) and returns the result,
	// with a higher Version.
	Update(op func(State) State) (State, error)
}

// Share makes c's setting the shared one: from now on every change is made
// through sh, and onError hears of a change sh could not make (the change
// is then made locally only). The caller feeds the settings other
// processes make to Apply.
func (c *Controlled) Share(sh Shared, onError func(error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shared, c.onSharedError = sh, onError
}

// State returns the clock's setting.
func (c *Controlled) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Controlled) stateLocked() State {
	r := c.reading.Load()
	return State{Frozen: r.frozen, At: r.at, Offset: r.offset, Version: c.version}
}

// Apply takes a setting made elsewhere, unless it is older than the one
// the clock has.
func (c *Controlled) Apply(s State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.Version < c.version {
		return
	}
	c.setLocked(s)
	c.version = s.Version
}

// update changes the setting with op: through the shared setting when
// there is one, else locally.
func (c *Controlled) update(op func(State) State) {
	c.mu.Lock()
	sh, onError := c.shared, c.onSharedError
	if sh == nil {
		s := op(c.stateLocked())
		c.setLocked(s)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	s, err := sh.Update(op)
	if err != nil {
		if onError != nil {
			onError(err)
		}
		c.mu.Lock()
		s = op(c.stateLocked())
		c.setLocked(s)
		c.mu.Unlock()
		return
	}
	c.Apply(s)
}
