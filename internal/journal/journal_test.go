package journal

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func seqs(es []Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

func TestRingKeepsTheNewest(t *testing.T) {
	j := New(3)
	for i := range 5 {
		j.Record(Entry{Path: fmt.Sprintf("/p%d", i), Time: t0.Add(time.Duration(i) * time.Second)})
	}
	got := j.List(Filter{})
	assert.Equal(t, []uint64{3, 4, 5}, seqs(got), "oldest first, two evicted")
	assert.Equal(t, "/p2", got[0].Path)

	j.Clear()
	assert.Empty(t, j.List(Filter{}))
	assert.Equal(t, uint64(6), j.Record(Entry{}), "numbering continues after Clear")
}

func TestFilter(t *testing.T) {
	j := New(10)
	j.Record(Entry{Provider: "trackmania", Method: "POST", Path: "/trackmania/api/access_token", Time: t0})
	j.Record(Entry{Provider: "trackmania", Method: "GET", Path: "/trackmania/api/user", Time: t0.Add(time.Minute)})
	j.Record(Entry{Provider: "oidc", Method: "POST", Path: "/oidc/token", Time: t0.Add(2 * time.Minute)})

	tests := []struct {
		name string
		f    Filter
		want []uint64
	}{
		{"all", Filter{}, []uint64{1, 2, 3}},
		{"provider", Filter{Provider: "trackmania"}, []uint64{1, 2}},
		{"path contains", Filter{Path: "/api/access_token"}, []uint64{1}},
		{"method any case", Filter{Method: "post"}, []uint64{1, 3}},
		{"since", Filter{Since: t0.Add(time.Minute)}, []uint64{2, 3}},
		{"until", Filter{Until: t0.Add(time.Minute)}, []uint64{1, 2}},
		{"after", Filter{After: 2}, []uint64{3}},
		{"limit keeps newest", Filter{Limit: 2}, []uint64{2, 3}},
		{"no match", Filter{Provider: "fastapi"}, []uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, seqs(j.List(tt.f)))
		})
	}
}

func TestDisabled(t *testing.T) {
	j := New(0)
	assert.False(t, j.Enabled())
	assert.Zero(t, j.Record(Entry{}))
	assert.Empty(t, j.List(Filter{}))
	var nilJ *Journal
	assert.False(t, nilJ.Enabled())
}

func TestConcurrentRecordAndList(t *testing.T) {
	j := New(64)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 200 {
				j.Record(Entry{Provider: fmt.Sprint(w), Path: fmt.Sprint(i)})
			}
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				es := j.List(Filter{Provider: fmt.Sprint(w)})
				for k := 1; k < len(es); k++ {
					if es[k].Seq <= es[k-1].Seq {
						t.Errorf("entries out of order: %d after %d", es[k].Seq, es[k-1].Seq)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	all := j.List(Filter{})
	require.Len(t, all, 64)
	assert.Equal(t, uint64(1600), all[63].Seq)
}

// The ring keeps the newest entries in order however often it wraps,
// grows and is cleared, by count and by bytes.
func TestJournalRingOrder(t *testing.T) {
	for _, size := range []int{1, 2, 5, 40} {
		j := New(size)
		since := 0 // entries recorded since the last Clear
		for i := 1; i <= 3*size+7; i++ {
			j.Record(Entry{Path: "/p"})
			since++
			es := j.List(Filter{})
			if want := min(since, size); len(es) != want {
				t.Fatalf("size %d after %d: %d entries, want %d", size, i, len(es), want)
			}
			for k, e := range es {
				if want := uint64(i - len(es) + 1 + k); e.Seq != want {
					t.Fatalf("size %d after %d: entry %d is seq %d, want %d", size, i, k, e.Seq, want)
				}
			}
			if i == 2*size {
				j.Clear()
				since = 0
			}
		}
	}
	one := sizeOf(Entry{Path: "/p"})
	j := NewBounded(100, 3*one)
	for range 10 {
		j.Record(Entry{Path: "/p"})
	}
	if es := j.List(Filter{}); len(es) != 3 || es[0].Seq != 8 || j.Bytes() != 3*one {
		t.Fatalf("bounded by bytes: %d entries from seq %d, %d bytes", len(es), es[0].Seq, j.Bytes())
	}
}
