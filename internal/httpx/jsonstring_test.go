package httpx_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/authmock/authmock/internal/httpx"
)

// AppendJSONString writes exactly what encoding/json writes, for every
// byte value in every position the fast path looks at.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for c := 0; c < 256; c++ {
		for _, s := range []string{string(rune(c)), "a" + string([]byte{byte(c)}) + "b", strings.Repeat("x", 40) + string([]byte{byte(c)})} {
			want, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			assert.Equal(t, string(want), string(httpx.AppendJSONString([]byte("prefix:"), s))[len("prefix:"):], "byte %#x in %q", c, s)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote`, "back\\slash", "<tag>&", "tab\t", "žluť", "\xff\xfe", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := httpx.AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendJSONString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}

func BenchmarkAppendJSONStringToken(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJIUzI1NiIsImtpZCI6Ildsc.", 14)
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(token)))
	for b.Loop() {
		buf = httpx.AppendJSONString(buf[:0], token)
	}
}
