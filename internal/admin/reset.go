package admin

import "net/http"

// reset returns every provider to its configured fixtures, clears the
// store, the journal and the fault queue, and puts the clock back.
func (a *Admin) reset(w http.ResponseWriter, r *http.Request) error {
	if err := a.Reset(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"reset": true, "clock": a.state()})
}
