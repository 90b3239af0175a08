package dotypos

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/authmock/authmock/fixtures"
)

// The cloud list's sort and filter (contract §A.6; issue 14):
//
//	sort=-name,id                       fields, "-" for descending
//	filter=deleted|eq|false;id|in|1,2   field|op|value conditions, all must hold
//
// The fields are the ones the entity page documents as filterable and
// sortable, plus id for sorting (the list's own order). What the real API
// leaves unsaid is decided in docs/providers/dotypos.md ("Sort and
// filter").

// fieldKind is the type of a cloud field, which decides how a filter value
// is read and which operators apply.
type fieldKind int

const (
	kindInt fieldKind = iota
	kindBool
	kindString
)

// scalar is one field value or one filter value.
type scalar struct {
	n int64
	b bool
	s string
}

// cloudField is a field of the Cloud entity a query may name.
type cloudField struct {
	name     string
	kind     fieldKind
	sortable bool
	// get returns the cloud's value, false when it is null.
	get func(fixtures.Cloud) (scalar, bool)
}

func intField(p *int64) (scalar, bool) {
	if p == nil {
		return scalar{}, false
	}
	return scalar{n: *p}, true
}

var cloudFields = map[string]*cloudField{
	"id":         {name: "id", kind: kindInt, sortable: true, get: func(c fixtures.Cloud) (scalar, bool) { return scalar{n: c.ID}, true }},
	"1ClickId":   {name: "1ClickId", kind: kindInt, get: func(c fixtures.Cloud) (scalar, bool) { return intField(c.OneClickID) }},
	"_companyId": {name: "_companyId", kind: kindInt, get: func(c fixtures.Cloud) (scalar, bool) { return intField(c.CompanyID) }},
	"deleted":    {name: "deleted", kind: kindBool, sortable: true, get: func(c fixtures.Cloud) (scalar, bool) { return scalar{b: c.Deleted}, true }},
	"expired":    {name: "expired", kind: kindBool, get: func(c fixtures.Cloud) (scalar, bool) { return scalar{b: c.Expired}, true }},
	"restricted": {name: "restricted", kind: kindBool, get: func(c fixtures.Cloud) (scalar, bool) { return scalar{b: c.Restricted}, true }},
	"name":       {name: "name", kind: kindString, sortable: true, get: func(c fixtures.Cloud) (scalar, bool) { return scalar{s: c.Name}, true }},
}

// compare orders two values of kind k: numbers numerically, false before
// true, strings by bytes.
func compare(k fieldKind, a, b scalar) int {
	switch k {
	case kindInt:
		return cmp.Compare(a.n, b.n)
	case kindBool:
		switch {
		case a.b == b.b:
			return 0
		case b.b:
			return -1
		}
		return 1
	}
	return strings.Compare(a.s, b.s)
}

// filterOp is a filter operator.
type filterOp string

const (
	opEq    filterOp = "eq"
	opNe    filterOp = "ne"
	opGt    filterOp = "gt"
	opGteq  filterOp = "gteq"
	opLt    filterOp = "lt"
	opLteq  filterOp = "lteq"
	opLike  filterOp = "like"
	opIn    filterOp = "in"
	opNotin filterOp = "notin"
	opBin   filterOp = "bin"
	opBex   filterOp = "bex"
)

// opKinds lists, per operator, the field kinds it applies to.
var opKinds = map[filterOp][]fieldKind{
	opEq: {kindInt, kindBool, kindString}, opNe: {kindInt, kindBool, kindString},
	opGt: {kindInt, kindString}, opGteq: {kindInt, kindString}, opLt: {kindInt, kindString}, opLteq: {kindInt, kindString},
	opLike: {kindString},
	opIn:   {kindInt, kindBool, kindString}, opNotin: {kindInt, kindBool, kindString},
	opBin: {kindInt}, opBex: {kindInt},
}

// sortKey is one field of sort.
type sortKey struct {
	field *cloudField
	desc  bool
}

// condition is one field|op|value of filter.
type condition struct {
	field  *cloudField
	op     filterOp
	values []scalar
	// raw is the value as sent, for String.
	raw string
}

// String is the condition in the query's syntax; parsing it gives the
// same condition back.
func (c condition) String() string { return c.field.name + "|" + string(c.op) + "|" + c.raw }

// String is the key in the query's syntax.
func (k sortKey) String() string {
	if k.desc {
		return "-" + k.field.name
	}
	return k.field.name
}

// parseSort reads sort: comma-separated fields, each sortable and named
// once, "-" before a field for descending.
func parseSort(s string) ([]sortKey, []Violation) {
	if s == "" {
		return nil, nil
	}
	var keys []sortKey
	var vs []Violation
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		name, desc := strings.CutPrefix(item, "-")
		f, ok := cloudFields[name]
		switch {
		case name == "":
			vs = append(vs, Violation{FieldName: "sort", Message: "empty sort field"})
		case !ok:
			vs = append(vs, Violation{FieldName: "sort", Message: fmt.Sprintf("unknown field %q", name)})
		case !f.sortable:
			vs = append(vs, Violation{FieldName: "sort", Message: fmt.Sprintf("field %q is not sortable", name)})
		case seen[name]:
			vs = append(vs, Violation{FieldName: "sort", Message: fmt.Sprintf("field %q is sorted on twice", name)})
		default:
			seen[name] = true
			keys = append(keys, sortKey{field: f, desc: desc})
		}
	}
	if len(vs) > 0 {
		return nil, vs
	}
	return keys, nil
}

// parseFilter reads filter: conditions field|op|value joined by ";". The
// value is everything after the second "|"; in and notin split it on ",".
func parseFilter(s string) ([]condition, []Violation) {
	if s == "" {
		return nil, nil
	}
	var conds []condition
	var vs []Violation
	bad := func(format string, args ...any) {
		vs = append(vs, Violation{FieldName: "filter", Message: fmt.Sprintf(format, args...)})
	}
	for item := range strings.SplitSeq(s, ";") {
		parts := strings.SplitN(item, "|", 3)
		if len(parts) != 3 {
			bad("%q is not field|operator|value", item)
			continue
		}
		name, op, raw := parts[0], filterOp(parts[1]), parts[2]
		f, known := cloudFields[name]
		kinds, knownOp := opKinds[op]
		switch {
		case !known:
			bad("unknown field %q", name)
			continue
		case !knownOp:
			bad("unknown operator %q", string(op))
			continue
		case !slices.Contains(kinds, f.kind):
			bad("operator %q does not apply to field %q", string(op), name)
			continue
		}
		items := []string{raw}
		if op == opIn || op == opNotin {
			items = strings.Split(raw, ",")
		}
		values := make([]scalar, 0, len(items))
		for _, it := range items {
			v, msg := parseValue(f.kind, op, it)
			if msg != "" {
				bad("%s: %s", name, msg)
				break
			}
			values = append(values, v)
		}
		if len(values) == len(items) {
			conds = append(conds, condition{field: f, op: op, values: values, raw: raw})
		}
	}
	if len(vs) > 0 {
		return nil, vs
	}
	return conds, nil
}

// parseValue reads one filter value for a field of kind k.
func parseValue(k fieldKind, op filterOp, s string) (scalar, string) {
	switch k {
	case kindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return scalar{}, fmt.Sprintf("%q is not an integer", s)
		}
		if (op == opBin || op == opBex) && n < 0 {
			return scalar{}, fmt.Sprintf("the bit mask %q is negative", s)
		}
		return scalar{n: n}, ""
	case kindBool:
		switch {
		case strings.EqualFold(s, "true"):
			return scalar{b: true}, ""
		case strings.EqualFold(s, "false"):
			return scalar{b: false}, ""
		}
		return scalar{}, fmt.Sprintf("%q is not true or false", s)
	}
	return scalar{s: s}, ""
}

// matches reports whether c holds for cloud. A null field matches no
// condition, as in SQL.
func (c condition) matches(cloud fixtures.Cloud) bool {
	got, ok := c.field.get(cloud)
	if !ok {
		return false
	}
	k, v := c.field.kind, c.values[0]
	switch c.op {
	case opEq:
		return compare(k, got, v) == 0
	case opNe:
		return compare(k, got, v) != 0
	case opGt:
		return compare(k, got, v) > 0
	case opGteq:
		return compare(k, got, v) >= 0
	case opLt:
		return compare(k, got, v) < 0
	case opLteq:
		return compare(k, got, v) <= 0
	case opLike:
		return like(got.s, v.s)
	case opIn, opNotin:
		in := slices.ContainsFunc(c.values, func(x scalar) bool { return compare(k, got, x) == 0 })
		return in == (c.op == opIn)
	case opBin:
		return got.n&v.n != 0
	case opBex:
		return got.n&v.n == 0
	}
	return false
}

// like matches s against pattern case-insensitively: the pattern may occur
// anywhere in s, and "%" in it stands for any run of characters.
func like(s, pattern string) bool {
	s, pattern = strings.ToLower(s), strings.ToLower(pattern)
	for part := range strings.SplitSeq(pattern, "%") {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// applyListQuery returns the clouds that match every condition, ordered by
// the sort keys; clouds arrive sorted by id, which breaks ties.
func applyListQuery(clouds []fixtures.Cloud, keys []sortKey, conds []condition) []fixtures.Cloud {
	out := slices.DeleteFunc(slices.Clone(clouds), func(c fixtures.Cloud) bool {
		return slices.ContainsFunc(conds, func(cd condition) bool { return !cd.matches(c) })
	})
	slices.SortStableFunc(out, func(a, b fixtures.Cloud) int {
		for _, k := range keys {
			x, _ := k.field.get(a)
			y, _ := k.field.get(b)
			if c := compare(k.field.kind, x, y); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return 0
	})
	return out
}
