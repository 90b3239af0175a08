package memory

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/store"
)

func TestStampsKeepWhatTheyAreGiven(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []store.AccessStamp
		inPlace bool
	}{
		{"none", nil, true},
		{"one whole stamp, in place", []store.AccessStamp{{Seq: 7, Exp: 1900000000}}, true},
		{"one that never expires", []store.AccessStamp{{Seq: 3}}, true},
		{"one folded count", []store.AccessStamp{{Exp: 1900000000, Count: 40}}, false},
		{"a whole stamp with a count is not whole", []store.AccessStamp{{Seq: 7, Exp: 1900000000, Count: 1}}, false},
		{"two", []store.AccessStamp{{Seq: 7, Exp: 1900000000}, {Seq: 8, Exp: 1900000001}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s stamps
			s.set(append([]store.AccessStamp(nil), tc.in...))
			assert.Equal(t, tc.in, s.list())
			assert.Equal(t, len(tc.in) == 0, s.empty())
			assert.Equal(t, tc.inPlace, s.more == nil)
		})
	}
}
