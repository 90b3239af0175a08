package admin

import (
	"net/http"
	"time"
)

// clockState is what the clock calls answer.
type clockState struct {
	Now    time.Time `json:"now"`
	Unix   int64     `json:"unix"`
	Frozen bool      `json:"frozen"`
}

func (a *Admin) state() clockState {
	now := a.Clock.Now()
	return clockState{Now: now, Unix: now.Unix(), Frozen: a.Clock.Frozen()}
}

func (a *Admin) getClock(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, a.state())
}

// setClock takes {"now": RFC 3339} or {"unix": seconds}, and optionally
// "frozen" to freeze or unfreeze at the same time.
func (a *Admin) setClock(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Now    *time.Time `json:"now"`
		Unix   *int64     `json:"unix"`
		Frozen *bool      `json:"frozen"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Now != nil && req.Unix != nil {
		return badRequest("give now or unix, not both")
	}
	if req.Now == nil && req.Unix == nil && req.Frozen == nil {
		return badRequest(`give "now" (RFC 3339), "unix" (seconds) and/or "frozen"`)
	}
	// Freeze first, so that a frozen clock is set exactly to the instant
	// asked for rather than to one that has moved on by the next read.
	if req.Frozen != nil && *req.Frozen {
		a.Clock.Freeze()
	}
	switch {
	case req.Now != nil:
		a.Clock.Set(*req.Now)
	case req.Unix != nil:
		a.Clock.Set(time.Unix(*req.Unix, 0).UTC())
	}
	if req.Frozen != nil && !*req.Frozen {
		a.Clock.Unfreeze()
	}
	return writeJSON(w, http.StatusOK, a.state())
}

// advanceClock takes {"seconds": n} or {"duration": "1h30m"}; negative
// values move the clock back.
func (a *Admin) advanceClock(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Seconds  *float64 `json:"seconds"`
		Duration string   `json:"duration"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var d time.Duration
	switch {
	case req.Seconds != nil && req.Duration != "":
		return badRequest("give seconds or duration, not both")
	case req.Seconds != nil:
		d = time.Duration(*req.Seconds * float64(time.Second))
	case req.Duration != "":
		var err error
		if d, err = time.ParseDuration(req.Duration); err != nil {
			return badRequest("duration %q: use Go's form, such as 90s, 1h or -15m", req.Duration)
		}
	default:
		return badRequest(`give "seconds" (a number) or "duration" ("1h30m")`)
	}
	a.Clock.Advance(d)
	return writeJSON(w, http.StatusOK, a.state())
}

func (a *Admin) freezeClock(w http.ResponseWriter, _ *http.Request) error {
	a.Clock.Freeze()
	return writeJSON(w, http.StatusOK, a.state())
}

func (a *Admin) unfreezeClock(w http.ResponseWriter, _ *http.Request) error {
	a.Clock.Unfreeze()
	return writeJSON(w, http.StatusOK, a.state())
}

func (a *Admin) resetClock(w http.ResponseWriter, _ *http.Request) error {
	a.Clock.Reset()
	return writeJSON(w, http.StatusOK, a.state())
}
