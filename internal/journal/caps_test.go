package journal

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One entry keeps a bounded part of what the client sent, each cut marked
// with how much was cut.
func TestEntryCaps(t *testing.T) {
	big := strings.Repeat("h", 1000<<10) // the probe's 1000 KiB header
	longQuery := "a=1&pad=" + strings.Repeat("q", 20<<10) + "&z=2"
	req := httptest.NewRequest(http.MethodGet, "/p/x?"+longQuery, nil)
	req.Header.Set("X-Big", big)
	req.Header.Set("Authorization", "Bearer "+big)
	req.Header.Set("X-Small", "fine")
	e, _ := serve(t, req, func(w http.ResponseWriter, _ *http.Request) {})

	want := strings.Repeat("h", maxValueBytes) + fmt.Sprintf("…[%d bytes cut]", len(big)-maxValueBytes)
	assert.Equal(t, []string{want}, e.Headers["X-Big"])
	assert.Equal(t, []string{"fine"}, e.Headers["X-Small"])
	assert.Equal(t, []string{"Bearer " + Fingerprint(big)}, e.Headers["Authorization"], "secrets are fingerprinted whole, then short")
	assert.Equal(t, map[string][]string{"a": {"1"}}, e.Query, "only parameters wholly inside the kept part")
	assert.Equal(t, fmt.Sprintf("the query is %d bytes; %d bytes were cut (only the parameters in the first 3 are shown)", len(longQuery), len(longQuery)-3), e.QueryNote)
	assert.Less(t, sizeOf(e), 16<<10, "what the entry holds is small")

	short := httptest.NewRequest(http.MethodGet, "/p/x?a=1&b=2", nil)
	e, _ = serve(t, short, func(w http.ResponseWriter, _ *http.Request) {})
	assert.Equal(t, map[string][]string{"a": {"1"}, "b": {"2"}}, e.Query)
	assert.Empty(t, e.QueryNote)

	form := httptest.NewRequest(http.MethodPost, "/p/x", strings.NewReader("v="+strings.Repeat("f", 10<<10)))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e, _ = serve(t, form, func(w http.ResponseWriter, _ *http.Request) {})
	assert.Equal(t, []string{strings.Repeat("f", maxValueBytes) + fmt.Sprintf("…[%d bytes cut]", 10<<10-maxValueBytes)}, e.Form["v"])
}

// The journal's total is bounded in bytes, not just entries: big entries
// push the oldest out.
func TestJournalByteBound(t *testing.T) {
	j := NewBounded(1000, 64<<10)
	for i := range 200 {
		j.Record(Entry{Method: "GET", Path: fmt.Sprintf("/p/%d", i), Headers: map[string][]string{"X-Pad": {strings.Repeat("x", maxValueBytes)}}})
	}
	assert.LessOrEqual(t, j.Bytes(), 64<<10)
	got := j.List(Filter{})
	require.NotEmpty(t, got)
	assert.Less(t, len(got), 200, "the oldest were forgotten")
	assert.Equal(t, "/p/199", got[len(got)-1].Path, "the newest is kept")
	assert.Equal(t, uint64(200), got[len(got)-1].Seq)
	for i := 1; i < len(got); i++ {
		require.Equal(t, got[i-1].Seq+1, got[i].Seq, "a contiguous run of the newest")
	}

	j.Clear()
	assert.Zero(t, j.Bytes())
	assert.Equal(t, uint64(201), j.Record(Entry{}), "numbering continues")
}

func TestJournalCountBoundAndOrder(t *testing.T) {
	j := New(3)
	for i := 1; i <= 7; i++ {
		j.Record(Entry{Path: fmt.Sprint(i)})
	}
	got := j.List(Filter{})
	require.Len(t, got, 3)
	assert.Equal(t, []string{"5", "6", "7"}, []string{got[0].Path, got[1].Path, got[2].Path})
}

func TestJournalPage(t *testing.T) {
	j := New(100)
	for i := range 10 {
		j.Record(Entry{Path: fmt.Sprint(i), Time: time.Unix(int64(i), 0)})
	}
	one := sizeOf(Entry{Path: "0"})
	page, more := j.Page(Filter{}, 3*one)
	require.Len(t, page, 3)
	assert.True(t, more)
	page, more = j.Page(Filter{After: page[2].Seq}, 3*one)
	assert.Equal(t, "3", page[0].Path)
	assert.True(t, more)
	page, more = j.Page(Filter{After: 9}, 3*one)
	require.Len(t, page, 1)
	assert.False(t, more)
	page, _ = j.Page(Filter{}, 1)
	assert.Len(t, page, 1, "at least one entry, however big")
}

func TestJournalConcurrentRecord(t *testing.T) {
	j := NewBounded(50, 32<<10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				j.Record(Entry{Path: fmt.Sprintf("/%d/%d", g, i), Headers: map[string][]string{"X": {strings.Repeat("y", 512)}}})
				_ = j.List(Filter{Limit: 5})
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, j.Bytes(), 32<<10)
	assert.LessOrEqual(t, len(j.List(Filter{})), 50)
}

// An entry must not keep the request line alive: net/http's Method, path
// and parsed query are substrings of it, so a 3-byte method would pin a
// query of tens of KiB (entries then held ten times their estimate).
func TestEntryKeepsNoSubstringOfTheRequestLine(t *testing.T) {
	line := "GET /p/x?a=1&q=" + strings.Repeat("q", 36<<10) + " HTTP/1.1"
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(line + "\r\nHost: x\r\nX-Small: s\r\n\r\n")))
	require.NoError(t, err)
	start := uintptr(unsafe.Pointer(unsafe.StringData(req.Method)))
	inLine := func(s string) bool {
		if s == "" {
			return false
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= start && p < start+uintptr(len(line))
	}
	require.True(t, inLine(req.Method), "the premise: net/http's method points into the line")

	e, _ := serve(t, req, func(w http.ResponseWriter, _ *http.Request) {})
	assert.False(t, inLine(e.Method), "method")
	assert.False(t, inLine(e.Path), "path")
	for k, vs := range e.Query {
		assert.False(t, inLine(k), "query name %q", k)
		for _, v := range vs {
			assert.False(t, inLine(v), "query value of %q", k)
		}
	}
	assert.Equal(t, []string{"1"}, e.Query["a"])
}
