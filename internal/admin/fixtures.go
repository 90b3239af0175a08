package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/authmock/authmock/internal/journal"
	"github.com/authmock/authmock/internal/provider"
)

// fixtureError turns an editor's errors into answers: a refused item is a
// 400 listing every problem, a missing one a 404.
func fixtureError(err error, kind, id string) error {
	var fe *provider.FixtureError
	switch {
	case errors.As(err, &fe):
		return &apiError{status: http.StatusBadRequest, code: "invalid_fixture", description: fe.Problems.Error(), problems: fe.Problems}
	case errors.Is(err, provider.ErrNoFixture) && id == "":
		return notFound("this instance has no %q fixtures", kind)
	case errors.Is(err, provider.ErrNoFixture):
		return notFound("no %s %q", kind, id)
	}
	return err
}

// editor returns the instance's editor, with the path's kind checked.
func (a *Admin) editor(r *http.Request) (provider.FixtureEditor, string, error) {
	ed, err := instance[provider.FixtureEditor](a, r, "edit fixtures")
	if err != nil {
		return nil, "", err
	}
	kind := pathVar(r, "kind")
	if !slices.Contains(ed.FixtureKinds(), kind) {
		return nil, "", notFound("provider instance %s has no %q fixtures; it has %v", pathVar(r, "name"), kind, ed.FixtureKinds())
	}
	return ed, kind, nil
}

func (a *Admin) fixtureKinds(w http.ResponseWriter, r *http.Request) error {
	ed, err := instance[provider.FixtureEditor](a, r, "edit fixtures")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"kinds": ed.FixtureKinds()})
}

func (a *Admin) listFixtures(w http.ResponseWriter, r *http.Request) error {
	ed, kind, err := a.editor(r)
	if err != nil {
		return err
	}
	items, err := ed.ListFixtures(r.Context(), kind)
	if err != nil {
		return fixtureError(err, kind, "")
	}
	masked := make([]any, len(items))
	for i, it := range items {
		if masked[i], err = mask(it); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{kind: masked})
}

func (a *Admin) getFixture(w http.ResponseWriter, r *http.Request) error {
	ed, kind, err := a.editor(r)
	if err != nil {
		return err
	}
	id := pathVar(r, "id")
	item, err := ed.GetFixture(r.Context(), kind, id)
	if err != nil {
		return fixtureError(err, kind, id)
	}
	m, err := mask(item)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// putFixture creates or replaces an item: 201 when it is new, 200 when it
// replaced one; either way the answer is the item as stored, masked.
func (a *Admin) putFixture(w http.ResponseWriter, r *http.Request) error {
	ed, kind, err := a.editor(r)
	if err != nil {
		return err
	}
	var item json.RawMessage
	if err := decode(r, &item); err != nil {
		return err
	}
	if len(item) == 0 || item[0] != '{' {
		return badRequest("the body must be a JSON object: the %s item", kind)
	}
	a.fixtureMu.Lock()
	defer a.fixtureMu.Unlock()
	return a.storeFixture(w, r, ed, kind, pathVar(r, "id"), item)
}

// patchFixture changes an item with a JSON merge patch (RFC 7396): members
// given replace, null removes, the rest stays.
func (a *Admin) patchFixture(w http.ResponseWriter, r *http.Request) error {
	ed, kind, err := a.editor(r)
	if err != nil {
		return err
	}
	var patch map[string]any
	if err := decode(r, &patch); err != nil {
		return err
	}
	if patch == nil {
		return badRequest("the body must be a JSON object: a merge patch (RFC 7396)")
	}
	id := pathVar(r, "id")
	a.fixtureMu.Lock()
	defer a.fixtureMu.Unlock()
	current, err := ed.GetFixture(r.Context(), kind, id)
	if err != nil {
		return fixtureError(err, kind, id)
	}
	var doc map[string]any
	if err := json.Unmarshal(current, &doc); err != nil {
		return err
	}
	merged, err := json.Marshal(mergePatch(doc, patch))
	if err != nil {
		return err
	}
	return a.storeFixture(w, r, ed, kind, id, merged)
}

func (a *Admin) storeFixture(w http.ResponseWriter, r *http.Request, ed provider.FixtureEditor, kind, id string, item json.RawMessage) error {
	created, err := ed.PutFixture(r.Context(), kind, id, item)
	if err != nil {
		return fixtureError(err, kind, id)
	}
	stored, err := ed.GetFixture(r.Context(), kind, id)
	if err != nil {
		return fixtureError(err, kind, id)
	}
	m, err := mask(stored)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, m)
}

func (a *Admin) deleteFixture(w http.ResponseWriter, r *http.Request) error {
	ed, kind, err := a.editor(r)
	if err != nil {
		return err
	}
	id := pathVar(r, "id")
	a.fixtureMu.Lock()
	defer a.fixtureMu.Unlock()
	if err := ed.DeleteFixture(r.Context(), kind, id); err != nil {
		return fixtureError(err, kind, id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// mask shows secrets (a client's secret, a user's password) as the
// journal does: a short fingerprint that tells two apart and cannot be
// replayed.
func mask(item json.RawMessage) (any, error) {
	var v any
	if err := json.Unmarshal(item, &v); err != nil {
		return nil, err
	}
	return journal.RedactJSON(v), nil
}

// mergePatch applies an RFC 7396 merge patch to doc.
func mergePatch(doc, patch map[string]any) map[string]any {
	if doc == nil {
		doc = map[string]any{}
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(doc, k)
		case map[string]any:
			sub, _ := doc[k].(map[string]any)
			doc[k] = mergePatch(sub, pv)
		default:
			doc[k] = v
		}
	}
	return doc
}
