package memory

import "time"

// later reports whether expiry a comes after b, zero meaning never.
func later(a, b time.Time) bool {
	switch {
	case b.IsZero():
		return false
	case a.IsZero():
		return true
	default:
		return a.After(b)
	}
}
