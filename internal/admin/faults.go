package admin

import (
	"net/http"

	"github.com/authmock/authmock/internal/faults"
)

func (a *Admin) listFaults(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"rules": a.Faults.List()})
}

func (a *Admin) addFault(w http.ResponseWriter, r *http.Request) error {
	var rule faults.Rule
	if err := decode(r, &rule); err != nil {
		return err
	}
	added, err := a.Faults.Add(rule)
	if err != nil {
		return badRequest("%v", err)
	}
	return writeJSON(w, http.StatusCreated, added)
}

// clearFaults deletes every rule, or every rule of ?provider=.
func (a *Admin) clearFaults(w http.ResponseWriter, r *http.Request) error {
	n := a.Faults.Clear(r.URL.Query().Get("provider"))
	return writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
}

func (a *Admin) deleteFault(w http.ResponseWriter, r *http.Request) error {
	id := pathVar(r, "id")
	if !a.Faults.Delete(id) {
		return notFound("no queued fault rule %q (it may have fired its count)", id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *Admin) listPresets(w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"presets": faults.Presets()})
}
