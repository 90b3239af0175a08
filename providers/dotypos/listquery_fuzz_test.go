package dotypos

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/authmock/authmock/fixtures"
)

// fuzzClouds are clouds with every kind of value, nulls included, for the
// list query fuzzer to filter and sort.
var fuzzClouds = func() []fixtures.Cloud {
	n := func(v int64) *int64 { return &v }
	return []fixtures.Cloud{
		{ID: 1, Name: "Alpha", OneClickID: n(5), CompanyID: n(7)},
		{ID: 2, Name: "beta", Deleted: true, OneClickID: n(0)},
		{ID: 3, Name: "Čaj|;,%", Expired: true, Restricted: true, CompanyID: n(-3)},
		{ID: 4, Name: "", OneClickID: n(1 << 40)},
		{ID: 5, Name: "Alpha", Deleted: true},
	}
}()

// FuzzListQuery: parseSort and parseFilter never panic; a rejected query
// lists at least one violation of its own parameter and yields nothing; an
// accepted one prints back (String) to a query that parses to the same
// print; and applying it keeps exactly the clouds that match every
// condition, in sort order.
func FuzzListQuery(f *testing.F) {
	for _, s := range [][2]string{
		{"name", "deleted|eq|false"}, {"-name,id", "id|in|1,2,3;name|like|a%"}, {"deleted,-id", "1ClickId|bin|5"},
		{"", "_companyId|bex|4"}, {"x", "y|eq|1"}, {"name,name", "id|gt"}, {",", ";"}, {"-", "name|eq|a|b"},
		{"id", "id|notin|"}, {"", "expired|in|TRUE,false"}, {"", "name|lteq|Č"}, {"", "id|bin|-1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, sortParam, filterParam string) {
		keys, badSort := parseSort(sortParam)
		conds, badFilter := parseFilter(filterParam)
		checkRejected(t, "sort", keys == nil, badSort)
		checkRejected(t, "filter", conds == nil, badFilter)
		if len(badSort) > 0 || len(badFilter) > 0 {
			return
		}

		sortText, filterText := printSort(keys), printFilter(conds)
		keys2, vs := parseSort(sortText)
		if len(vs) > 0 || printSort(keys2) != sortText {
			t.Fatalf("sort %q printed as %q parses to %q, %v", sortParam, sortText, printSort(keys2), vs)
		}
		conds2, vs := parseFilter(filterText)
		if len(vs) > 0 || printFilter(conds2) != filterText {
			t.Fatalf("filter %q printed as %q parses to %q, %v", filterParam, filterText, printFilter(conds2), vs)
		}

		got := applyListQuery(fuzzClouds, keys, conds)
		for _, c := range fuzzClouds {
			all := !slices.ContainsFunc(conds, func(cd condition) bool { return !cd.matches(c) })
			if in := slices.ContainsFunc(got, func(g fixtures.Cloud) bool { return g.ID == c.ID }); in != all {
				t.Fatalf("cloud %d kept %v, matches every condition %v (%q)", c.ID, in, all, filterText)
			}
		}
		for i := 1; i < len(got); i++ {
			if order(keys, got[i-1], got[i]) > 0 {
				t.Fatalf("cloud %d before %d against sort %q", got[i-1].ID, got[i].ID, sortText)
			}
		}
	})
}

func checkRejected(t *testing.T, param string, empty bool, vs []Violation) {
	t.Helper()
	for _, v := range vs {
		if v.FieldName != param || v.Message == "" {
			t.Fatalf("violation %+v of %s", v, param)
		}
	}
	if len(vs) > 0 && !empty {
		t.Fatalf("%s rejected and parsed at once", param)
	}
}

func printSort(keys []sortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, ",")
}

func printFilter(conds []condition) string {
	parts := make([]string, len(conds))
	for i, c := range conds {
		parts[i] = c.String()
	}
	return strings.Join(parts, ";")
}

// order compares two clouds by the sort keys, then by id (the order the
// list starts from).
func order(keys []sortKey, a, b fixtures.Cloud) int {
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
	return compare(kindInt, scalar{n: a.ID}, scalar{n: b.ID})
}

// FuzzSplitQuery: splitQuery never panics; where url.ParseQuery accepts a
// query (none with ";"), both read the same values; a ";" stays inside
// its value.
func FuzzSplitQuery(f *testing.F) {
	for _, s := range []string{"filter=a|eq|1;b|eq|2&sort=-name", "a=1&&b=%20+x", "=x&y=", "a=%zz", "filter=id%7Cin%7C1%2C2", ";", "a;b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := splitQuery(raw)
		if err != nil {
			if got != nil {
				t.Fatalf("values %v with error %v", got, err)
			}
			return
		}
		if want, err := url.ParseQuery(raw); err == nil && !reflect.DeepEqual(map[string][]string(want), map[string][]string(got)) {
			t.Fatalf("%q: splitQuery %v, url.ParseQuery %v", raw, got, want)
		}
		// Every literal ";" survives (%3B adds more).
		if n := strings.Count(raw, ";"); countIn(got, ";") < n {
			t.Fatalf("%q: %d semicolons in the query, %d in the values", raw, n, countIn(got, ";"))
		}
	})
}

func countIn(values url.Values, s string) int {
	n := 0
	for k, vs := range values {
		n += strings.Count(k, s) * len(vs) // the key once per pair
		for _, v := range vs {
			n += strings.Count(v, s)
		}
	}
	return n
}
