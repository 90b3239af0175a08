package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/authmock/authmock/fixtures"
	"github.com/authmock/authmock/internal/validate"
)

// instanceDoc is one entry of "providers", after merging.
type instanceDoc struct {
	Name     string          `json:"name"`
	Dialect  string          `json:"dialect"`
	Mount    string          `json:"mount"`
	Disabled bool            `json:"disabled"`
	Config   json.RawMessage `json:"config"`
}

// draft is an instance object on its way to becoming an Instance.
type draft struct {
	// path locates the entry for problems: the file's entry when the file
	// mentions the instance, else the embedded defaults' entry.
	path string
	doc  map[string]any
	// isDefault marks an instance that exists in the embedded defaults.
	isDefault bool
}

var (
	nameRE  = regexp.MustCompile(`^[a-z0-9-]+$`)
	mountRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)
)

// adminPrefix is reserved for authmock's own endpoints.
const adminPrefix = "/_authmock"

// readProviders merges the file's "providers" over the default instances
// by name and turns the enabled ones into Instances.
func (ld *loader) readProviders(top map[string]json.RawMessage) []Instance {
	useDefaults := true
	ld.ps = append(ld.ps, validate.Decode(top["defaults"], &useDefaults, "defaults")...)
	var drafts []*draft
	if useDefaults {
		drafts = defaultDrafts()
	}
	var entries []json.RawMessage
	ld.ps = append(ld.ps, validate.Decode(top["providers"], &entries, "providers")...)
	drafts = ld.mergeEntries(drafts, entries)

	ld.enabled, ld.disabled = map[string]bool{}, map[string]bool{}
	var out []Instance
	var mounts []mountAt
	for _, d := range drafts {
		in, m, ok := ld.buildInstance(d)
		if m.mount != "" {
			mounts = append(mounts, m)
		}
		if ok {
			out = append(out, in)
		}
	}
	ld.checkMounts(mounts)
	return out
}

// mountAt is an enabled instance's valid mount, checked against the others
// even when the instance has other problems.
type mountAt struct{ name, mount, path string }

// embeddedDefaults is the defaults document; a variable so that this
// package's tests can pin it to the oidc instance their fake factories
// know, however many dialects the real defaults grow to.
var embeddedDefaults = fixtures.Defaults

// defaultDrafts reads the embedded default instances.
func defaultDrafts() []*draft {
	var doc struct {
		Providers []json.RawMessage `json:"providers"`
	}
	if err := json.Unmarshal(embeddedDefaults(), &doc); err != nil {
		panic("config: embedded defaults are not valid JSON: " + err.Error()) // a build defect
	}
	out := make([]*draft, 0, len(doc.Providers))
	for i, raw := range doc.Providers {
		v, err := decodeAny(raw)
		obj, ok := v.(map[string]any)
		if err != nil || !ok {
			panic(fmt.Sprintf("config: embedded default provider %d is not an object", i))
		}
		out = append(out, &draft{path: fixtures.Index("defaults.providers", i), doc: obj, isDefault: true})
	}
	return out
}

// mergeEntries applies the file's entries: a name of a default instance
// merge-patches it, a new name is appended.
func (ld *loader) mergeEntries(drafts []*draft, entries []json.RawMessage) []*draft {
	byName := map[string]*draft{}
	for _, d := range drafts {
		name, _ := d.doc["name"].(string)
		byName[name] = d
	}
	seen := map[string]string{} // name -> path of the file entry
	for i, raw := range entries {
		at := fixtures.Index("providers", i)
		v, err := decodeAny(raw)
		obj, ok := v.(map[string]any)
		if err != nil || !ok {
			ld.ps.Add(at, "must be an object, not %s", validate.KindOf(v))
			continue
		}
		name, ok := obj["name"].(string)
		switch {
		case obj["name"] == nil:
			ld.ps.Add(at+".name", "required: every provider entry needs a name")
			continue
		case !ok:
			ld.ps.Add(at+".name", "must be a string, not %s", validate.KindOf(obj["name"]))
			continue
		case seen[name] != "":
			ld.ps.Add(at+".name", "duplicate name %q (also %s)", name, seen[name])
			continue
		}
		seen[name] = at
		if d, ok := byName[name]; ok {
			d.doc, _ = mergePatch(d.doc, obj).(map[string]any)
			d.path = at
			continue
		}
		doc, _ := mergePatch(nil, obj).(map[string]any)
		d := &draft{path: at, doc: doc}
		drafts = append(drafts, d)
		byName[name] = d
	}
	return drafts
}

// buildInstance decodes and validates one merged entry; ok is false when
// it is disabled or has problems. m is its mount when that is valid.
func (ld *loader) buildInstance(d *draft) (in Instance, m mountAt, ok bool) {
	var doc instanceDoc
	if ps := validate.Decode(readJSON(d.doc), &doc, d.path); len(ps) > 0 {
		ld.ps = append(ld.ps, ps...)
		if name, ok := d.doc["name"].(string); ok {
			ld.enabled[name] = true // exists; do not also report it as unknown
		}
		return Instance{}, m, false
	}
	if doc.Disabled {
		ld.disabled[doc.Name] = true
		return Instance{}, m, false
	}
	ld.enabled[doc.Name] = true
	n := len(ld.ps)
	if !nameRE.MatchString(doc.Name) {
		ld.ps.Add(d.path+".name", "%q must be lowercase letters, digits and '-'", doc.Name)
	}
	derived := doc.Mount == ""
	if derived {
		doc.Mount = "/" + doc.Name
	}
	// A mount derived from a bad name would only repeat the name's problem.
	switch msg := checkMount(doc.Mount); {
	case msg == "":
		m = mountAt{name: doc.Name, mount: doc.Mount, path: d.path}
	case !derived || nameRE.MatchString(doc.Name):
		ld.ps.Add(d.path+".mount", "%s", msg)
	}
	f, ok := ld.factories[doc.Dialect]
	switch {
	case doc.Dialect == "" && d.isDefault:
		ld.ps.Add(d.path+".dialect", "required (known: %s)", ld.knownDialects())
	case doc.Dialect == "":
		ld.ps.Add(d.path+".dialect", "required for a provider that is not one of the defaults (known: %s)", ld.knownDialects())
	case !ok:
		ld.ps.Add(d.path+".dialect", "unknown dialect %q (known: %s)", doc.Dialect, ld.knownDialects())
	default:
		cfg, ps := f.ParseConfig(doc.Config)
		ld.ps.Merge(d.path+".config", ps)
		if len(ld.ps) == n {
			return Instance{Name: doc.Name, Dialect: doc.Dialect, Mount: doc.Mount, Factory: f, Config: cfg}, m, true
		}
	}
	return Instance{}, m, false
}

// checkMount returns why a mount path is unusable, or "".
func checkMount(m string) string {
	switch {
	case m == "/":
		return `must not be "/" (use server.root to also serve an instance at /)`
	case !strings.HasPrefix(m, "/"):
		return fmt.Sprintf("%q must start with /", m)
	case strings.HasSuffix(m, "/"):
		return fmt.Sprintf("%q must not end with /", m)
	case !mountRE.MatchString(m):
		return fmt.Sprintf("%q must be /-separated segments of letters, digits and -._~", m)
	case m == adminPrefix || strings.HasPrefix(m, adminPrefix+"/"):
		return fmt.Sprintf("%q is reserved for authmock's own endpoints", m)
	}
	for _, seg := range strings.Split(m[1:], "/") {
		if seg == "." || seg == ".." {
			return fmt.Sprintf("%q must not contain . or .. segments", m)
		}
	}
	return ""
}

// checkMounts reports instances whose mounts are equal or nested, since a
// request could then reach either.
func (ld *loader) checkMounts(mounts []mountAt) {
	for i, a := range mounts {
		for _, b := range mounts[:i] {
			if a.mount == b.mount {
				ld.ps.Add(a.path+".mount", "%q is already the mount of %q (%s)", a.mount, b.name, b.path)
				break
			}
			if under(a.mount, b.mount) || under(b.mount, a.mount) {
				ld.ps.Add(a.path+".mount", "%q and the mount of %q (%s, %q) are nested", a.mount, b.name, b.path, b.mount)
				break
			}
		}
	}
}

// under reports whether path p lies beneath prefix, segment-wise.
func under(p, prefix string) bool {
	return strings.HasPrefix(p, prefix+"/")
}

func (ld *loader) knownDialects() string {
	names := make([]string, 0, len(ld.factories))
	for name := range ld.factories {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
