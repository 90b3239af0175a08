package dotypos

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// pageJSON is the exact paged wrapper for items on page num of size limit,
// out of total matches.
func pageJSON(num, limit, total int, items ...string) string {
	last := (total + limit - 1) / limit
	next, prev := "null", "null"
	if num < last {
		next = fmt.Sprint(num + 1)
	}
	if num > 1 {
		prev = fmt.Sprint(num - 1)
	}
	return fmt.Sprintf(`{"currentPage":%d,"perPage":%d,"totalItemsOnPage":%d,"totalItemsCount":%d,"firstPage":1,"lastPage":%d,"nextPage":%s,"prevPage":%s,"data":[%s]}`,
		num, limit, len(items), total, last, next, prev, strings.Join(items, ","))
}

// TestCloudListSortAndFilter: sort and filter as real clients send them
// (issue 14). alice's token grants Bistro (id 123456789, 1ClickId 77 =
// 0b1001101, _companyId 4242), Café (987654321, restricted) and Bakery
// (2147483647, expired).
func TestCloudListSortAndFilter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.GrantClouds = GrantAll })
	_, token := ts.accessToken(`{}`)
	tests := []struct {
		name  string
		query url.Values
		body  string // "" for the empty 404
	}{
		{"sort by name", url.Values{"sort": {"name"}}, pageJSON(1, 20, 3, bakeryJSON, bistroJSON, cafeJSON)},
		{"sort by name, descending", url.Values{"sort": {"-name"}}, pageJSON(1, 20, 3, cafeJSON, bistroJSON, bakeryJSON)},
		{"sort by id, descending", url.Values{"sort": {"-id"}}, pageJSON(1, 20, 3, bakeryJSON, cafeJSON, bistroJSON)},
		{"a tie on the first field falls to the next", url.Values{"sort": {"deleted,-name"}}, pageJSON(1, 20, 3, cafeJSON, bistroJSON, bakeryJSON)},
		{"eq on a boolean", url.Values{"filter": {"restricted|eq|true"}}, pageJSON(1, 20, 1, cafeJSON)},
		{"ne on a boolean", url.Values{"filter": {"expired|ne|true"}}, pageJSON(1, 20, 2, bistroJSON, cafeJSON)},
		{"eq on a string", url.Values{"filter": {"name|eq|Café Brno"}}, pageJSON(1, 20, 1, cafeJSON)},
		{"like is a case-insensitive substring", url.Values{"filter": {"name|like|BISTRO"}}, pageJSON(1, 20, 1, bistroJSON)},
		{"like with a % wildcard", url.Values{"filter": {"name|like|b%y"}}, pageJSON(1, 20, 1, bakeryJSON)},
		{"gt on ids", url.Values{"filter": {"id|gt|123456789"}}, pageJSON(1, 20, 2, cafeJSON, bakeryJSON)},
		{"gteq on ids", url.Values{"filter": {"id|gteq|987654321"}}, pageJSON(1, 20, 2, cafeJSON, bakeryJSON)},
		{"lt on ids", url.Values{"filter": {"id|lt|987654321"}}, pageJSON(1, 20, 1, bistroJSON)},
		{"lteq on ids", url.Values{"filter": {"id|lteq|987654321"}}, pageJSON(1, 20, 2, bistroJSON, cafeJSON)},
		{"gt on strings", url.Values{"filter": {"name|gt|Bb"}}, pageJSON(1, 20, 2, bistroJSON, cafeJSON)},
		{"in", url.Values{"filter": {"id|in|123456789,2147483647,7"}}, pageJSON(1, 20, 2, bistroJSON, bakeryJSON)},
		{"notin", url.Values{"filter": {"id|notin|123456789"}}, pageJSON(1, 20, 2, cafeJSON, bakeryJSON)},
		{"in on booleans", url.Values{"filter": {"expired|in|true,false"}}, pageJSON(1, 20, 3, bistroJSON, cafeJSON, bakeryJSON)},
		{"bin: any bit of the mask set", url.Values{"filter": {"1ClickId|bin|6"}}, pageJSON(1, 20, 1, bistroJSON)},
		{"bex: no bit of the mask set", url.Values{"filter": {"1ClickId|bex|2"}}, pageJSON(1, 20, 1, bistroJSON)},
		{"bin with no bit in common", url.Values{"filter": {"1ClickId|bin|2"}}, ""},
		{"bex with a bit in common", url.Values{"filter": {"1ClickId|bex|1"}}, ""},
		{"a null field matches eq on nothing", url.Values{"filter": {"_companyId|eq|4242"}}, pageJSON(1, 20, 1, bistroJSON)},
		{"a null field matches ne on nothing either", url.Values{"filter": {"_companyId|ne|1"}}, pageJSON(1, 20, 1, bistroJSON)},
		{"conditions are all required", url.Values{"filter": {"id|gt|123456789;expired|eq|false"}}, pageJSON(1, 20, 1, cafeJSON)},
		{"a value may hold |", url.Values{"filter": {"name|eq|a|b"}}, ""},
		{"filter, sort and paging together", url.Values{"filter": {"expired|eq|false"}, "sort": {"-name"}, "limit": {"1"}, "page": {"2"}}, pageJSON(2, 1, 2, bistroJSON)},
		{"an empty filtered page is a 404 with no body", url.Values{"filter": {"name|eq|Nothing"}}, ""},
		{"a page past the filtered ones is a 404", url.Values{"filter": {"restricted|eq|false"}, "page": {"2"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.get(PathClouds+"?"+tc.query.Encode(), token)
			if tc.body == "" {
				assert.Equal(t, http.StatusNotFound, res.status, "%s", res.body)
				assert.Empty(t, res.body)
				return
			}
			assert.Equal(t, http.StatusOK, res.status, "%s", res.body)
			assert.JSONEq(t, tc.body, string(res.body))
		})
	}
}

// TestCloudListRawQuery: filter's ";" and "|" may come unescaped (a
// hand-written URL, Postman), which Go's own query parser would drop.
func TestCloudListRawQuery(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.GrantClouds = GrantAll })
	_, token := ts.accessToken(`{}`)
	tests := []struct {
		query, body string
	}{
		{"filter=id|gt|123456789;expired|eq|false", pageJSON(1, 20, 1, cafeJSON)},
		{"filter=id%7Cgt%7C123456789%3Bexpired%7Ceq%7Cfalse", pageJSON(1, 20, 1, cafeJSON)},
		{"sort=-name&&filter=name|like|a+b", ""},
		{"filter=name|like|Caf%C3%A9+B&sort=-id&limit=5", pageJSON(1, 5, 1, cafeJSON)},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := ts.get(PathClouds+"?"+tc.query, token)
			if tc.body == "" {
				assert.Equal(t, http.StatusNotFound, res.status, "%s", res.body)
				return
			}
			assert.Equal(t, http.StatusOK, res.status, "%s", res.body)
			assert.JSONEq(t, tc.body, string(res.body))
		})
	}
	res := ts.get(PathClouds+"?filter=country|eq|CZ;name|regex|x", token)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.JSONEq(t, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery,
		Violation{FieldName: "filter", Message: `unknown field "country"`}, Violation{FieldName: "filter", Message: `unknown operator "regex"`}), string(res.body))
}

// TestCloudListQueryErrors: every wrong parameter is listed at once, as a
// 400 with violations, and nothing else is answered.
func TestCloudListQueryErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.GrantClouds = GrantAll })
	_, token := ts.accessToken(`{}`)
	filter := func(msg string) Violation { return Violation{FieldName: "filter", Message: msg} }
	sort := func(msg string) Violation { return Violation{FieldName: "sort", Message: msg} }
	tests := []struct {
		name  string
		query url.Values
		vs    []Violation
	}{
		{"an unknown filter field", url.Values{"filter": {"country|eq|CZ"}}, []Violation{filter(`unknown field "country"`)}},
		{"an unknown operator", url.Values{"filter": {"name|regex|B.*"}}, []Violation{filter(`unknown operator "regex"`)}},
		{"operators are lowercase", url.Values{"filter": {"name|EQ|x"}}, []Violation{filter(`unknown operator "EQ"`)}},
		{"no value", url.Values{"filter": {"id|eq"}}, []Violation{filter(`"id|eq" is not field|operator|value`)}},
		{"an empty condition", url.Values{"filter": {"id|eq|1;"}}, []Violation{filter(`"" is not field|operator|value`)}},
		{"an operator the field's type has not", url.Values{"filter": {"deleted|gt|false"}}, []Violation{filter(`operator "gt" does not apply to field "deleted"`)}},
		{"like on a number", url.Values{"filter": {"id|like|12"}}, []Violation{filter(`operator "like" does not apply to field "id"`)}},
		{"a bit mask on a string", url.Values{"filter": {"name|bin|1"}}, []Violation{filter(`operator "bin" does not apply to field "name"`)}},
		{"not an integer", url.Values{"filter": {"id|eq|abc"}}, []Violation{filter(`id: "abc" is not an integer`)}},
		{"a negative bit mask", url.Values{"filter": {"1ClickId|bex|-1"}}, []Violation{filter(`1ClickId: the bit mask "-1" is negative`)}},
		{"not a boolean", url.Values{"filter": {"deleted|eq|yes"}}, []Violation{filter(`deleted: "yes" is not true or false`)}},
		{"one bad value of in", url.Values{"filter": {"id|in|1,,2"}}, []Violation{filter(`id: "" is not an integer`)}},
		{"an unknown sort field", url.Values{"sort": {"country"}}, []Violation{sort(`unknown field "country"`)}},
		{"a field that is not sortable", url.Values{"sort": {"-expired"}}, []Violation{sort(`field "expired" is not sortable`)}},
		{"a field sorted twice", url.Values{"sort": {"name,-name"}}, []Violation{sort(`field "name" is sorted on twice`)}},
		{"an empty sort field", url.Values{"sort": {"name,"}}, []Violation{sort("empty sort field")}},
		{"everything wrong at once", url.Values{"page": {"0"}, "limit": {"500"}, "sort": {"x"}, "filter": {"y|eq|1;id|zz|2"}}, []Violation{
			{FieldName: "page", Message: "must be a positive integer"},
			{FieldName: "limit", Message: "must be an integer from 1 to 100"},
			sort(`unknown field "x"`), filter(`unknown field "y"`), filter(`unknown operator "zz"`),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.get(PathClouds+"?"+tc.query.Encode(), token)
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.JSONEq(t, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery, tc.vs...), string(res.body))
		})
	}
	t.Run("a query that is not URL-encoded correctly", func(t *testing.T) {
		res := ts.get(PathClouds+"?filter=name|eq|100%", token)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.JSONEq(t, ts.errBody(400, ReasonInvalidQuery, msgInvalidQuery,
			Violation{FieldName: "query", Message: `"filter=name|eq|100%" is not URL-encoded correctly`}), string(res.body))
	})
	t.Run("authentication still comes first", func(t *testing.T) {
		res := ts.request(http.MethodGet, PathClouds+"?filter=x", nil)
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.JSONEq(t, ts.errBody(401, ReasonInvalidAuthHeader, msgBearerHeader), string(res.body))
	})
}
