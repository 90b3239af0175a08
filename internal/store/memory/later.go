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

// passed reports whether a mark's until (zero: never) has come at now.
// Marks keep time.Time: there are few of them, unlike refresh tokens.
func passed(now, until time.Time) bool {
	return !until.IsZero() && !now.Before(until)
}
