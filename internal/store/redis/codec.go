package redis

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/authmock/authmock/internal/store"
)

// nanos is a time as Unix nanoseconds, 0 for the zero time (never).
func nanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	if n := t.UnixNano(); n > 0 {
		return uint64(n)
	}
	return 1
}

// pad writes n as 20 digits, so that Lua compares them as strings; 0 (never)
// is the empty string.
func pad(n uint64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%020d", n)
}

// expiry returns the padded expiry of t and its index score (whole
// seconds, rounded down so the index finds it no later than it expires).
func expiry(t time.Time) (string, int64) {
	n := nanos(t)
	return pad(n), int64(n / uint64(time.Second))
}

// stamps encodes access stamps as "exp seq" strings.
func stamps(a []store.AccessStamp) []any {
	out := make([]any, len(a))
	for i, s := range a {
		out[i] = strconv.FormatInt(max(s.Exp, 0), 10) + " " + strconv.FormatUint(s.Seq, 10)
	}
	return out
}

// parseStamps decodes what stamps encoded and keeps those live at now.
func parseStamps(vs []any, now time.Time) ([]store.AccessStamp, error) {
	var out []store.AccessStamp
	for _, v := range vs {
		s, _ := v.(string)
		e, q, ok := strings.Cut(s, " ")
		if !ok {
			return nil, fmt.Errorf("redis store: bad access stamp %q", s)
		}
		q, n, folded := strings.Cut(q, " ") // "exp 0 count": a fold
		exp, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return nil, err
		}
		seq, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			return nil, err
		}
		a := store.AccessStamp{Seq: seq, Exp: exp}
		if folded {
			count, err := strconv.ParseUint(n, 10, 32)
			if err != nil {
				return nil, err
			}
			a.Count = uint32(count)
		}
		if exp == 0 || now.Unix() < exp {
			out = append(out, a)
		}
	}
	return out, nil
}

// verdicts maps the scripts' answers to the store's errors.
var verdicts = map[string]error{
	"ok":       nil,
	"notfound": store.ErrNotFound,
	"expired":  store.ErrExpired,
	"consumed": store.ErrConsumed,
	"reused":   store.ErrReused,
	"revoked":  store.ErrRevoked,
	"exists":   store.ErrExists,
}

func verdict(s string) error {
	if err, ok := verdicts[s]; ok {
		return err
	}
	return fmt.Errorf("redis store: unexpected answer %q", s)
}

// strs reads a script's array answer.
func strs(v any) []any {
	a, _ := v.([]any)
	return a
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
